with

source as (

    select * from {{ ref('orders') }}

),

final as (

    select
        cast(order_id as {{ dbt.type_bigint() }}) as order_id,
        cast(customer_id as {{ dbt.type_bigint() }}) as customer_id,
        {{ to_iso_date('order_date') }} as order_date,
        cast(amount as {{ dbt.type_numeric() }}) as amount

    from source

)

select * from final
