-- An order placed before its customer registered is impossible: the raw data is wrong.
with

customers as (

    select * from {{ ref('stg_customers') }}

),

orders as (

    select * from {{ ref('stg_orders') }}

),

final as (

    select
        orders.order_id,
        orders.order_date,
        customers.customer_id,
        customers.registration_date

    from orders

    inner join customers
        on orders.customer_id = customers.customer_id

    where orders.order_date < customers.registration_date

)

select * from final
