with

source as (

    select * from {{ source('shop', 'products') }}

),

final as (

    select
        cast(product_id as {{ dbt.type_bigint() }}) as product_id,
        cast(trim(product_name) as {{ dbt.type_string() }}) as product_name,
        -- The feed sends stray spaces and capitals ('  ELECTRONICS '); categories are lowercase.
        cast(lower(trim(category)) as {{ dbt.type_string() }}) as category,
        cast(list_price as {{ type_money() }}) as list_price

    from source

)

select * from final
