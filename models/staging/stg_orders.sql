-- Incremental where staging is a table (SQLite, dbt_project.yml): a refresh adds only the orders
-- newer than the newest already loaded. Existing orders never change, so no unique_key is needed.
-- Indexes on SQLite (elsewhere staging is a view, which has none): the refresh's watermark
-- (max order_id), the unique test and the check of every feedback against its order's customer
-- and day read the first; the tests of orders against their customers and the customer totals of
-- a refresh read the second alone, without touching the table. Not unique: a duplicate order_id
-- must fail the named unique test.
{{ config(
    materialized=incremental_where_tables(),
    incremental_strategy=segments_incremental_strategy(),
    indexes=[
        {'columns': ['order_id', 'customer_id', 'order_date']},
        {'columns': ['customer_id', 'order_date', 'order_id', 'amount']},
    ],
) }}
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
