-- Incremental where staging is a table (SQLite, dbt_project.yml): a refresh adds only the orders
-- newer than the newest already loaded. Existing orders never change, so no unique_key is needed.
{{ config(incremental_strategy=segments_incremental_strategy()) }}
-- An order is checked against its customer (it exists, it is not before registration). In `dbt
-- build` a test of two models holds back only what is downstream of both, so without this the marts
-- built from orders alone would take in orders those tests reject.
-- depends_on: {{ ref('stg_customers') }}

with

source as (

    select * from {{ source('shop', 'orders') }}
    {% if incremental_changes_only() %}
    where {{ after_watermark('order_id') }}
    {% endif %}

),

final as (

    select
        cast(order_id as {{ dbt.type_bigint() }}) as order_id,
        cast(customer_id as {{ dbt.type_bigint() }}) as customer_id,
        {{ to_iso_date('order_date') }} as order_date,
        cast(amount as {{ type_money() }}) as amount

    from source

)

select * from final
