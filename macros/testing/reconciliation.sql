{#- The aggregate used on each side of the reconciles_with test (tests/generic). -#}

{% macro reconciliation_aggregate(aggregate, column_name) -%}
    {%- if aggregate == 'sum' -%}
        sum({{ column_name }})
    {%- elif aggregate == 'sum_cents' -%}
        sum({{ to_cents(column_name) }})
    {%- elif aggregate == 'count' -%}
        count({{ column_name }})
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            "reconciles_with: aggregate must be one of sum, sum_cents, count; got '" ~ aggregate ~ "'"
        ) }}
    {%- endif -%}
{%- endmacro %}
