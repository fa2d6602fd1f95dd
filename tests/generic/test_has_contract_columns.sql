{#- Fails for every column of the input contract (the source's properties file) that the raw
    table lacks, naming it; extra columns are allowed (a warehouse table or export often has
    more). A column with `meta.required: false` may be missing, unless it belongs to an optional
    input (`meta.input`) that SEGMENTS_INPUTS turns on: then the marts of that input need it.
    The table's columns are read at run time (adapter.get_columns_in_relation); names are
    compared in lower case. Portable: the SQL is string literals or an empty select. -#}

{% test has_contract_columns(model) %}

{%- set missing = [] -%}
{%- if execute -%}
    {%- set sources = graph.sources.values()
        | selectattr('identifier', 'equalto', model.identifier) | list -%}
    {%- if sources | length != 1 -%}
        {{ exceptions.raise_compiler_error(
            "has_contract_columns: expected one source table named " ~ model ~ ", found "
            ~ sources | length
        ) }}
    {%- endif -%}
    {%- set actual = adapter.get_columns_in_relation(model) | map(attribute='name') | map('lower') | list -%}
    {%- for column in sources[0].columns.values() -%}
        {%- set meta = column.meta or {} -%}
        {%- set needed = meta.get('required', true)
            or (meta.get('input') and input_loaded(meta.get('input'))) -%}
        {%- if needed and column.name | lower not in actual -%}
            {%- do missing.append(column.name) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if missing and actual -%}
        {%- do log(
            "has_contract_columns: " ~ model ~ " lacks the column(s) " ~ missing | join(', ')
            ~ " of the input contract (docs/your-data.md)",
            info=true
        ) -%}
    {%- endif -%}
{%- endif -%}

with

final as (

    {% for name in missing -%}
    select '{{ name | replace("'", "''") }}' as missing_column
    {% if not loop.last %}union all{% endif %}
    {% else -%}
    select '' as missing_column
    from {{ model }}
    where 1 = 0
    {%- endfor %}

)

select * from final

{% endtest %}
