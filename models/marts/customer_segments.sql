with

customers as (

    select * from {{ ref('stg_customers') }}

),

orders as (

    select * from {{ ref('stg_orders') }}

),

-- One row per customer before the join, so the left join cannot fan out.
customer_orders as (

    select
        customer_id,
        sum({{ to_cents('amount') }}) as total_sales_cents,
        count(order_id) as number_of_orders

    from orders

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
