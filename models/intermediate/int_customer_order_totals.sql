with

orders as (

    select * from {{ ref('stg_orders') }}

),

final as (

    select
        customer_id,
        count(order_id) as number_of_orders,
        sum({{ to_cents('amount') }}) as total_sales_cents,
        min(order_date) as first_order_date,
        max(order_date) as last_order_date

    from orders

    group by customer_id

)

select * from final
