{#- Fails when the model and compare_model have different row counts (a join fanned out or lost rows). -#}

{% test equal_rowcount(model, compare_model) %}

with

actual as (

    select count(*) as row_count from {{ model }}

),

expected as (

    select count(*) as row_count from {{ compare_model }}

),

final as (

    select
        actual.row_count as actual_rows,
        expected.row_count as expected_rows

    from actual

    cross join expected

    where actual.row_count != expected.row_count

)

select * from final

{% endtest %}
