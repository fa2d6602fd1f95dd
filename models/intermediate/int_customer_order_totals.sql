-- Incremental where intermediate is a table (SQLite, dbt_project.yml): a refresh recomputes, from
-- all their orders, the customers with an order on or after the newest order day already counted.
-- Every new order is at least that late (order ids grow with the date); that day's other customers
-- are recomputed too, to the same values.
{{ config(
    materialized=incremental_where_tables(),
    unique_key='customer_id',
    incremental_strategy=segments_incremental_strategy(),
) }}

with

orders as (

    select * from {{ ref('stg_orders') }}

),

{% if incremental_changes_only() %}
-- An import of its own rather than a filter on `orders`: SQLite copies a CTE that is read twice.
orders_since_last_count as (

    select * from {{ ref('stg_orders') }}

    where {{ after_watermark('order_date', 'last_order_date', inclusive=true) }}

),

customers_to_refresh as (

    select distinct customer_id

    from orders_since_last_count

),
{% endif %}

final as (

    select
        customer_id,
        count(order_id) as number_of_orders,
        sum({{ to_cents('amount') }}) as total_sales_cents,
        cast(min(order_date) as {{ type_date() }}) as first_order_date,
        cast(max(order_date) as {{ type_date() }}) as last_order_date

    from orders

    {% if incremental_changes_only() %}
    where customer_id in (select customers_to_refresh.customer_id from customers_to_refresh)
    {% endif %}

    group by customer_id

)

select * from final
