with

source as (

    select * from {{ ref('customers') }}

),

final as (

    select
        cast(customer_id as {{ dbt.type_bigint() }}) as customer_id,
        cast(customer_name as {{ dbt.type_string() }}) as customer_name,
        {{ to_iso_date('registration_date') }} as registration_date,
        -- The feed sends some birth dates as DD/MM/YYYY; to_iso_date reads both forms.
        {{ to_iso_date('birth_date') }} as birth_date,
        cast(trim(gender) as {{ dbt.type_string() }}) as gender,
        cast(trim(country) as {{ dbt.type_string() }}) as country,
        cast(trim(region) as {{ dbt.type_string() }}) as region,
        cast(trim(city) as {{ dbt.type_string() }}) as city

    from source

)

select * from final
