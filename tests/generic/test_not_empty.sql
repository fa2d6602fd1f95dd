{#- Fails when the model has no rows: an empty source file (only its header) would otherwise pass
    every column test and rebuild the marts from nothing. -#}

{% test not_empty(model) %}

with

actual as (

    select count(*) as row_count from {{ model }}

),

final as (

    select row_count as actual_rows

    from actual

    where row_count = 0

)

select * from final

{% endtest %}
