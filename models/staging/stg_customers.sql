-- The customer columns every input has; the optional demographic columns of the same raw table
-- are stg_customer_demographics, built only with that input.
with

source as (

    select * from {{ source('shop', 'customers') }}

),

final as (

    select
        cast(customer_id as {{ dbt.type_bigint() }}) as customer_id,
        -- A customer without a name (empty, or no such column in the file) gets a readable one.
        cast(
            coalesce(
                nullif(trim(customer_name), ''),
                'Customer ' || cast(customer_id as {{ dbt.type_string() }})
            ) as {{ dbt.type_string() }}
        ) as customer_name,
        {{ to_iso_date('registration_date') }} as registration_date

    from source

)

select * from final
