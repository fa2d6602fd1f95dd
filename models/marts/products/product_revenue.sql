with

products as (

    select * from {{ ref('stg_products') }}

),

order_lines as (

    select * from {{ ref('int_order_lines') }}

),

product_sales as (

    select
        product_id,
        sum(quantity) as units_sold,
        count(*) as number_of_order_lines,
        count(distinct order_id) as number_of_orders,
        sum(revenue_cents) as revenue_cents

    from order_lines

    group by product_id

),

-- Every product, sold or not: products without sales show zeros.
final as (

    select
        products.product_id,
        products.product_name,
        products.category,
        products.list_price,
        cast(coalesce(product_sales.units_sold, 0) as {{ dbt.type_bigint() }}) as units_sold,
        cast(coalesce(product_sales.number_of_order_lines, 0) as {{ dbt.type_bigint() }})
            as number_of_order_lines,
        cast(coalesce(product_sales.number_of_orders, 0) as {{ dbt.type_bigint() }}) as number_of_orders,
        {{ cents_to_amount('coalesce(product_sales.revenue_cents, 0)') }} as revenue_amount,
        cast(
            row_number() over (
                order by coalesce(product_sales.revenue_cents, 0) desc, products.product_id asc
            ) as {{ dbt.type_bigint() }}
        ) as revenue_rank

    from products

    left join product_sales
        on products.product_id = product_sales.product_id

)

select * from final
