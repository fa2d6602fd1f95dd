with

source as (

    select * from {{ ref('order_items') }}

),

final as (

    select
        cast(order_id as {{ dbt.type_bigint() }}) as order_id,
        cast(line_number as {{ dbt.type_bigint() }}) as line_number,
        cast(product_id as {{ dbt.type_bigint() }}) as product_id,
        cast(quantity as {{ dbt.type_bigint() }}) as quantity,
        cast(sale_price as {{ dbt.type_numeric() }}) as sale_price

    from source

)

select * from final
