with

orders as (

    select * from {{ ref('stg_orders') }}

),

final as (

    select
        customer_id,
        count(order_id) as number_of_orders,
        sum({{ to_cents('amount') }}) as total_sales_cents,
        cast(min(order_date) as {{ type_date() }}) as first_order_date,
        cast(max(order_date) as {{ type_date() }}) as last_order_date

    from orders

    group by customer_id

)

select * from final
