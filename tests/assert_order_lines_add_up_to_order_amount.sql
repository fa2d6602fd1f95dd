-- Every order's lines (quantity x sale_price) add up to its amount to the cent; an order
-- without lines fails too. Tagged new_rows_only: the daily refresh (--selector refresh) checks
-- only the orders after those it passed in the last published build
-- (macros/publication/checked_rows.sql).
{{ config(tags=['new_rows_only']) }}
{% if input_loaded('products') %}
with

orders as (

    select * from {{ ref('stg_orders') }}
    where {{ not_checked_yet('order_id') }}

),

order_items as (

    select * from {{ ref('stg_order_items') }}
    where {{ not_checked_yet('order_id') }}

),

line_totals as (

    select
        order_id,
        sum(quantity * {{ to_cents('sale_price') }}) as lines_cents

    from order_items

    group by order_id

),

final as (

    select
        orders.order_id,
        {{ to_cents('orders.amount') }} as amount_cents,
        line_totals.lines_cents

    from orders

    left join line_totals
        on orders.order_id = line_totals.order_id

    where coalesce(line_totals.lines_cents, -1) != {{ to_cents('orders.amount') }}

)

select * from final
{% else %}
-- Without the optional input products there is nothing to check.
select 1 as nothing_to_check
where 1 = 0
{% endif %}
