-- No order can be dated after the as-of date (var as_of_date) the data runs up to.
with

orders as (

    select * from {{ ref('stg_orders') }}

),

final as (

    select
        order_id,
        order_date

    from orders

    where order_date > {{ as_of_date() }}

)

select * from final
