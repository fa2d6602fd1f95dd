-- Incremental where staging is a table (SQLite, dbt_project.yml): a refresh adds only the lines of
-- orders newer than the newest already loaded (an order's lines arrive with it, and never change).
-- Indexed by order and product (SQLite): a feedback's product is looked up on its order's lines
-- (assert_feedback_matches_its_order), and the refresh finds the newest order here at once.
{{ config(
    materialized=incremental_where_tables(),
    incremental_strategy=segments_incremental_strategy(),
    indexes=[{'columns': ['order_id', 'product_id']}],
) }}

with

source as (

    select * from {{ source('shop', 'order_items') }}
    {% if incremental_changes_only() %}
    where {{ after_watermark('order_id') }}
    {% endif %}

),

final as (

    select
        cast(order_id as {{ dbt.type_bigint() }}) as order_id,
        cast(line_number as {{ dbt.type_bigint() }}) as line_number,
        cast(product_id as {{ dbt.type_bigint() }}) as product_id,
        cast(quantity as {{ dbt.type_bigint() }}) as quantity,
        cast(sale_price as {{ type_money() }}) as sale_price

    from source

)

select * from final
