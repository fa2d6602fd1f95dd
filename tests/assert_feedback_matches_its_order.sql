-- Every feedback is about an order of the same customer, a product on one of that order's lines,
-- and was received on or after the order's day (a timestamp compares with a date on every engine;
-- on SQLite both are ISO text, and a day's timestamps sort after the day itself). Tagged
-- new_rows_only: the daily refresh (--selector refresh) checks only the feedback after that it
-- passed in the last published build (macros/publication/checked_rows.sql), against all the
-- orders (new feedback may be about an old order).
{{ config(
    tags=['new_rows_only'],
    meta={'checked_through': {'model': 'stg_customer_feedback', 'column': 'feedback_id'}}
) }}
{% if input_loaded('feedback') %}
with

feedback as (

    select * from {{ ref('stg_customer_feedback') }}
    where {{ not_checked_yet('feedback_id') }}

),

orders as (

    select * from {{ ref('stg_orders') }}

),

order_items as (

    select * from {{ ref('stg_order_items') }}
    where order_id in (select feedback.order_id from feedback)

),

-- One row per order and product, so the join below cannot repeat a feedback.
order_products as (

    select distinct
        order_id,
        product_id

    from order_items

),

final as (

    select
        feedback.feedback_id,
        feedback.order_id,
        feedback.customer_id as feedback_customer_id,
        orders.customer_id as order_customer_id,
        feedback.product_id,
        feedback.received_at,
        orders.order_date,
        case
            when orders.order_id is null then 'no such order'
            when orders.customer_id != feedback.customer_id then 'order of another customer'
            when order_products.product_id is null then 'product not on the order'
            else 'received before the order'
        end as mismatch

    from feedback

    left join orders
        on feedback.order_id = orders.order_id

    left join order_products
        on
            feedback.order_id = order_products.order_id
            and feedback.product_id = order_products.product_id

    where
        orders.order_id is null
        or orders.customer_id != feedback.customer_id
        or order_products.product_id is null
        or feedback.received_at < orders.order_date

)

select * from final
{% else %}
-- Without the optional input feedback there is nothing to check.
select 1 as nothing_to_check
where 1 = 0
{% endif %}
