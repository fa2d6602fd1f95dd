-- Incremental (its config below): a refresh replaces the rows of the customers whose number of
-- orders or total in int_customer_order_totals, refreshed first, differs from the one here (the
-- customers with new orders) and adds the customers it does not have yet.
{{ config(
    materialized=published_incremental_where_supported(),
    unique_key='customer_id',
    incremental_strategy=segments_incremental_strategy(),
) }}

with

customers as (

    select * from {{ ref('stg_customers') }}

),

-- One row per customer who has ordered, so the left join below cannot fan out.
customer_totals as (

    select * from {{ ref('int_customer_order_totals') }}

),

customers_with_totals as (

    select
        customers.customer_id,
        customers.customer_name,
        customers.registration_date,
        coalesce(customer_totals.total_sales_cents, 0) as total_sales_cents,
        coalesce(customer_totals.number_of_orders, 0) as number_of_orders

    from customers

    left join customer_totals
        on customers.customer_id = customer_totals.customer_id

    {% if incremental_changes_only() %}
    left join {{ this }} as current_rows
        on customers.customer_id = current_rows.customer_id

    where
        current_rows.customer_id is null
        or current_rows.number_of_orders != coalesce(customer_totals.number_of_orders, 0)
        or {{ to_cents('current_rows.total_sales_amount') }} != coalesce(customer_totals.total_sales_cents, 0)
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
