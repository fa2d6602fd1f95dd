-- One row per customer: the purchase features clustering uses, raw and min-max scaled to [0, 1].
with

customers as (

    select * from {{ ref('stg_customers') }}

),

customer_totals as (

    select * from {{ ref('int_customer_order_totals') }}

),

measured as (

    select
        customers.customer_id,
        coalesce(customer_totals.total_sales_cents, 0) as total_sales_cents,
        coalesce(customer_totals.number_of_orders, 0) as number_of_orders,
        {{ average_order_value_cents(
            'customer_totals.total_sales_cents', 'customer_totals.number_of_orders', no_orders='0'
        ) }} as average_order_value_cents,
        -- The last activity is the last order; for a customer who never ordered, the registration.
        coalesce(customer_totals.last_order_date, customers.registration_date) as last_activity_date

    from customers

    left join customer_totals
        on customers.customer_id = customer_totals.customer_id

),

final as (

    select
        cast(customer_id as {{ dbt.type_bigint() }}) as customer_id,
        {{ cents_to_amount('total_sales_cents') }} as total_sales_amount,
        cast(number_of_orders as {{ dbt.type_bigint() }}) as number_of_orders,
        {{ cents_to_amount('average_order_value_cents') }} as average_order_value,
        cast(
            {{ days_between('last_activity_date', as_of_date()) }} as {{ dbt.type_bigint() }}
        ) as days_since_last_activity,
        {{ min_max_scaled('total_sales_cents') }} as total_sales_amount_scaled,
        {{ min_max_scaled('number_of_orders') }} as number_of_orders_scaled,
        {{ min_max_scaled('average_order_value_cents') }} as average_order_value_scaled,
        {{ min_max_scaled(days_between('last_activity_date', as_of_date())) }}
            as days_since_last_activity_scaled

    from measured

)

select * from final
