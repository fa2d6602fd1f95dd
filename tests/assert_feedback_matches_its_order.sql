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

),

-- A feedback's product is looked up on its order's lines (an index of stg_order_items on SQLite),
-- and `not exists` cannot repeat a feedback as a join to the lines could.
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
            when feedback.received_at < orders.order_date then 'received before the order'
            else 'product not on the order'
        end as mismatch

    from feedback

    left join orders
        on feedback.order_id = orders.order_id

    where
        orders.order_id is null
        or orders.customer_id != feedback.customer_id
        or feedback.received_at < orders.order_date
        or not exists (
            select 1
            from order_items
            where
                order_items.order_id = feedback.order_id
                and order_items.product_id = feedback.product_id
        )

)

select * from final
{% else %}
-- Without the optional input feedback there is nothing to check.
select 1 as nothing_to_check
where 1 = 0
{% endif %}
