{#- Fails for every combination of the given columns that appears more than once (a composite key). -#}

{% test unique_combination_of_columns(model, combination_of_columns) %}

with

final as (

    select
        {{ combination_of_columns | join(', ') }},
        count(*) as number_of_rows

    from {{ model }}

    group by {{ combination_of_columns | join(', ') }}

    having count(*) > 1

)

select * from final

{% endtest %}
