{#- Fails when an aggregate of this column differs from an aggregate of another model's column.
    aggregate / compare_aggregate: sum, sum_cents (sum of values rounded to cents) or count. -#}

{% test reconciles_with(
    model, column_name, compare_model, compare_column, aggregate='sum', compare_aggregate=none
) %}

with

actual as (

    select {{ reconciliation_aggregate(aggregate, column_name) }} as aggregate_value
    from {{ model }}

),

expected as (

    select {{ reconciliation_aggregate(compare_aggregate or aggregate, compare_column) }} as aggregate_value
    from {{ compare_model }}

),

final as (

    select
        actual.aggregate_value as actual_value,
        expected.aggregate_value as expected_value

    from actual

    cross join expected

    where coalesce(actual.aggregate_value, 0) != coalesce(expected.aggregate_value, 0)

)

select * from final

{% endtest %}
