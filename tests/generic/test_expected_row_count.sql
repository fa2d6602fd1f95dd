{#- Fails unless the model has exactly `expected` rows. -#}

{% test expected_row_count(model, expected) %}

with

actual as (

    select count(*) as row_count from {{ model }}

),

final as (

    select row_count as actual_rows

    from actual

    where row_count != {{ expected }}

)

select * from final

{% endtest %}
