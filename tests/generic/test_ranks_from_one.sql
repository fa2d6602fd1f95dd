{#- Fails unless the column ranks the model's rows 1 to their number, each rank once and none NULL:
    a top-n table may hold fewer than n rows, never a gap. -#}

{% test ranks_from_one(model, column_name) %}

with

actual as (

    select
        count(*) as number_of_rows,
        count(distinct {{ column_name }}) as number_of_ranks,
        min({{ column_name }}) as lowest_rank,
        max({{ column_name }}) as highest_rank

    from {{ model }}

),

final as (

    select
        number_of_rows,
        number_of_ranks,
        lowest_rank,
        highest_rank

    from actual

    where
        number_of_rows > 0
        and (lowest_rank != 1 or highest_rank != number_of_rows or number_of_ranks != number_of_rows)

)

select * from final

{% endtest %}
