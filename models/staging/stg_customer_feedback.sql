with

source as (

    select * from {{ source('shop', 'customer_feedback') }}

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
