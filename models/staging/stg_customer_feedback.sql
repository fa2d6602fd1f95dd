-- Incremental where staging is a table (SQLite, dbt_project.yml): a refresh adds only the documents
-- whose feedback_id is above the newest already loaded (new feedback has higher ids, and a document
-- sent again keeps its id, so it is not added twice). A document whose id is missing or no number
-- is added too, for the tests to report, never dropped. The newest id is read first and written in
-- as a number: SQLite then finds the new documents from an index on the id (index_raw_document_ids)
-- instead of parsing every document.
{{ config(materialized=incremental_where_tables(), incremental_strategy=segments_incremental_strategy()) }}

{%- set feedback_id = json_field_if_valid('document', ['feedback_id']) -%}
{%- set newest = run_query('select max(feedback_id) from ' ~ this).columns[0].values()[0]
    if execute and incremental_changes_only() else none %}

with

source as (

    select * from {{ source('shop', 'customer_feedback') }}
    {% if newest is not none -%}
    where {{ feedback_id }} > {{ newest | int }} or {{ feedback_id }} is null
    {%- endif %}

),

-- The feed repeats some documents word for word; one copy of each is kept.
deduplicated as (

    select distinct document

    from source

),

final as (

    select
        cast({{ json_field('document', ['feedback_id']) }} as {{ dbt.type_bigint() }}) as feedback_id,
        {{ to_iso_timestamp(json_field('document', ['received_at'])) }} as received_at,
        cast(
            {{ json_field('document', ['payload', 'customer_id']) }} as {{ dbt.type_bigint() }}
        ) as customer_id,
        cast(
            {{ json_field('document', ['payload', 'product_id']) }} as {{ dbt.type_bigint() }}
        ) as product_id,
        cast({{ json_field('document', ['payload', 'order_id']) }} as {{ dbt.type_bigint() }}) as order_id,
        cast({{ json_field('document', ['payload', 'rating']) }} as {{ dbt.type_bigint() }}) as rating,
        -- Missing in some documents: stays NULL, never guessed.
        cast({{ json_field('document', ['payload', 'sentiment_score']) }} as {{ type_double() }})
            as sentiment_score,
        cast({{ json_field('document', ['payload', 'comment']) }} as {{ dbt.type_string() }}) as comment

    from deduplicated

)

select * from final
