-- Incremental where intermediate is a table (SQLite, dbt_project.yml): a refresh adds only the lines
-- of orders newer than the newest already here. Assumes products keep their name and category;
-- rebuild with --full-refresh when the catalogue changes.
{{ config(materialized=incremental_where_tables(), incremental_strategy=segments_incremental_strategy()) }}

with

order_items as (

    select * from {{ ref('stg_order_items') }}
    {% if incremental_changes_only() %}
    where {{ after_watermark('order_id') }}
    {% endif %}

),

orders as (

    select * from {{ ref('stg_orders') }}

),

products as (

    select * from {{ ref('stg_products') }}

),

-- One row per order line: each join is to a primary key, so no line is repeated or lost.
final as (

    select
        order_items.order_id,
        order_items.line_number,
        orders.customer_id,
        orders.order_date,
        order_items.product_id,
        products.product_name,
        products.category,
        order_items.quantity,
        order_items.sale_price,
        order_items.quantity * {{ to_cents('order_items.sale_price') }} as revenue_cents

    from order_items

    inner join orders
        on order_items.order_id = orders.order_id

    inner join products
        on order_items.product_id = products.product_id

)

select * from final
