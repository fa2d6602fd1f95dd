-- Revenue and orders by region and calendar month (only months in which the region ordered).
with

orders as (

    select * from {{ ref('stg_orders') }}

),

demographics as (

    select * from {{ ref('stg_customer_demographics') }}

),

region_orders as (

    select
        -- A customer whose region is not known still counts, under 'Unknown'.
        coalesce(demographics.region, 'Unknown') as region,
        {{ month_start('orders.order_date') }} as month_start_date,
        orders.customer_id,
        orders.order_id,
        {{ to_cents('orders.amount') }} as amount_cents

    from orders

    inner join demographics
        on orders.customer_id = demographics.customer_id

),

final as (

    select
        cast(region as {{ dbt.type_string() }}) as region,
        month_start_date,
        cast(count(order_id) as {{ dbt.type_bigint() }}) as number_of_orders,
        cast(count(distinct customer_id) as {{ dbt.type_bigint() }}) as number_of_customers,
        {{ cents_to_amount('sum(amount_cents)') }} as revenue_amount

    from region_orders

    group by region, month_start_date

)

select * from final
