with

source as (

    select * from {{ ref('customers') }}

),

final as (

    select
        cast(customer_id as {{ dbt.type_int() }}) as customer_id,
        cast(customer_name as {{ dbt.type_string() }}) as customer_name,
        {{ to_iso_date('registration_date') }} as registration_date

    from source

)

select * from final
