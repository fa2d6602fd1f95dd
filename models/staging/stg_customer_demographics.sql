-- The optional demographics input: the demographic columns of the raw customers, one row per
-- customer. A second staging model of one raw table, so that customer_segments never depends on
-- columns a shop may not have.
with

source as (

    select * from {{ source('shop', 'customers') }}

),

final as (

    select
        cast(customer_id as {{ dbt.type_bigint() }}) as customer_id,
        -- The feed sends some birth dates as DD/MM/YYYY; to_iso_date reads both forms.
        {{ to_iso_date('birth_date') }} as birth_date,
        cast(nullif(trim(gender), '') as {{ dbt.type_string() }}) as gender,
        cast(nullif(trim(country), '') as {{ dbt.type_string() }}) as country,
        cast(nullif(trim(region), '') as {{ dbt.type_string() }}) as region,
        cast(nullif(trim(city), '') as {{ dbt.type_string() }}) as city

    from source

)

select * from final
