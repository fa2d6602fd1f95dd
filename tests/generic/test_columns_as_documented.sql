{#- Fails for every column the warehouse table has that its properties file does not list
    ('extra'), and every listed column the table lacks ('missing'): a source file with a column
    dropped, added or renamed. The table's columns are read at run time
    (adapter.get_columns_in_relation), the documented ones from the graph; names are compared in
    lower case. Portable: every adapter implements get_columns_in_relation, and the SQL is only
    string literals (or an empty select from the model). -#}

{% test columns_as_documented(model) %}

{%- set differences = [] -%}
{%- if execute -%}
    {%- set documented_nodes = [] -%}
    {%- for node in graph.nodes.values() | list + graph.sources.values() | list
        if node.resource_type in ('seed', 'model', 'snapshot', 'source')
        and (node.alias or node.identifier or '') | lower == model.identifier | lower
        and (node.schema or '') | lower == (model.schema or '') | lower -%}
        {%- do documented_nodes.append(node) -%}
    {%- endfor -%}
    {%- if documented_nodes | length != 1 -%}
        {{ exceptions.raise_compiler_error(
            "columns_as_documented: expected one seed, model or source built as " ~ model
            ~ ", found " ~ documented_nodes | length
        ) }}
    {%- endif -%}
    {%- set documented = documented_nodes[0].columns.values() | map(attribute='name') | map('lower') | list -%}
    {%- set actual = adapter.get_columns_in_relation(model) | map(attribute='name') | map('lower') | list -%}
    {%- for name in documented if name not in actual -%}
        {%- do differences.append(('missing', name)) -%}
    {%- endfor -%}
    {%- for name in actual if name not in documented -%}
        {%- do differences.append(('extra', name)) -%}
    {%- endfor -%}
    {%- if differences and actual -%}
        {#- The failure says only how many rows; this line says which columns (not when the table
            is missing, as in `dbt compile` before any build). -#}
        {%- do log(
            "columns_as_documented: " ~ model ~ " differs from its properties file: "
            ~ differences | map('join', ' ') | join(', '),
            info=true
        ) -%}
    {%- endif -%}
{%- endif -%}

with

final as (

    {% for problem, name in differences -%}
    select
        '{{ problem }}' as problem,
        '{{ name | replace("'", "''") }}' as column_name
    {% if not loop.last %}union all{% endif %}
    {% else -%}
    select
        '' as problem,
        '' as column_name
    from {{ model }}
    where 1 = 0
    {%- endfor %}

)

select * from final

{% endtest %}
