-- Incremental (its config below): a refresh recomputes, from all their orders, the customers with
-- orders this table has not counted yet (their number of orders in int_customer_order_totals,
-- refreshed first, differs from the one here) and the customers it does not have yet.
-- depends_on: {{ ref('int_customer_order_totals') }}
{{ config(
    materialized=published_incremental_where_supported(),
    unique_key='customer_id',
    incremental_strategy=segments_incremental_strategy(),
) }}

with

customers as (

    select * from {{ ref('stg_customers') }}

),

orders as (

    select * from {{ ref('stg_orders') }}

),

{% if incremental_changes_only() %}
order_totals as (

    select * from {{ ref('int_customer_order_totals') }}

),

-- An import of its own rather than `customers` again: SQLite copies a CTE that is read twice.
customer_ids as (

    select customer_id from {{ ref('stg_customers') }}

),

customers_to_refresh as (

    select customer_ids.customer_id

    from customer_ids

    left join {{ this }} as current_rows
        on customer_ids.customer_id = current_rows.customer_id

    left join order_totals
        on customer_ids.customer_id = order_totals.customer_id

    where
        current_rows.customer_id is null
        or current_rows.number_of_orders != coalesce(order_totals.number_of_orders, 0)

),
{% endif %}

-- One row per customer before the join, so the left join cannot fan out.
customer_orders as (

    select
        customer_id,
        sum({{ to_cents('amount') }}) as total_sales_cents,
        count(order_id) as number_of_orders

    from orders

    {% if incremental_changes_only() %}
    where customer_id in (select customers_to_refresh.customer_id from customers_to_refresh)
    {% endif %}

    group by customer_id

),

customers_with_totals as (

    select
        customers.customer_id,
        customers.customer_name,
        customers.registration_date,
        coalesce(customer_orders.total_sales_cents, 0) as total_sales_cents,
        coalesce(customer_orders.number_of_orders, 0) as number_of_orders

    from customers

    left join customer_orders
        on customers.customer_id = customer_orders.customer_id

    {% if incremental_changes_only() %}
    where customers.customer_id in (select customers_to_refresh.customer_id from customers_to_refresh)
    {% endif %}

),

final as (

    select
        customer_id,
        customer_name,
        registration_date,
        {{ cents_to_amount('total_sales_cents') }} as total_sales_amount,
        cast(number_of_orders as {{ dbt.type_bigint() }}) as number_of_orders,
        cast({{ customer_segment('total_sales_cents') }} as {{ dbt.type_string() }}) as customer_segment

    from customers_with_totals

)

select * from final
