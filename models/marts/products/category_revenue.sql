with

products as (

    select * from {{ ref('stg_products') }}

),

order_lines as (

    select * from {{ ref('int_order_lines') }}

),

category_products as (

    select
        category,
        count(*) as number_of_products

    from products

    group by category

),

category_sales as (

    select
        category,
        sum(quantity) as units_sold,
        count(distinct order_id) as number_of_orders,
        sum(revenue_cents) as revenue_cents

    from order_lines

    group by category

),

overall as (

    select sum(revenue_cents) as revenue_cents

    from order_lines

),

final as (

    select
        category_products.category,
        cast(category_products.number_of_products as {{ dbt.type_bigint() }}) as number_of_products,
        cast(coalesce(category_sales.units_sold, 0) as {{ dbt.type_bigint() }}) as units_sold,
        cast(coalesce(category_sales.number_of_orders, 0) as {{ dbt.type_bigint() }}) as number_of_orders,
        {{ cents_to_amount('coalesce(category_sales.revenue_cents, 0)') }} as revenue_amount,
        {{ share_of('coalesce(category_sales.revenue_cents, 0)', 'overall.revenue_cents') }}
            as share_of_revenue

    from category_products

    cross join overall

    left join category_sales
        on category_products.category = category_sales.category

)

select * from final
