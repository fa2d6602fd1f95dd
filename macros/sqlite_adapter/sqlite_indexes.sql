{#- dbt's `indexes` model config on SQLite, which dbt-sqlite leaves unimplemented (dbt's default
    get_create_index_sql returns nothing). dbt's create_indexes calls this for each entry after a
    table is built; this project's SQLite materializations (sqlite_swap.sql) call it after the swap,
    inside the build's transaction, and again after an incremental run, so an index added to the
    config later is created without --full-refresh. The name is the table's and the columns', so it
    is the same on every build: `if not exists` keeps an incremental table's index, and an old
    table's index goes with the old table when it is dropped. -#}
{% macro sqlite__get_create_index_sql(relation, index_dict) -%}
    {%- set columns = index_dict['columns'] -%}
    {%- set index_name = relation.identifier ~ '__' ~ columns | join('__') -%}
    create {{ 'unique ' if index_dict.get('unique') }}index if not exists
        {{ relation.schema }}."{{ index_name }}" on "{{ relation.identifier }}" ({{ columns | join(', ') }})
{%- endmacro %}


{#- on-run-start (dbt_project.yml): an index on the id of each raw table of JSON documents whose
    new rows the daily refresh looks for (a valid_values check with `new_rows_id.json_path`,
    models/staging/_shop__sources.yml). Without it, finding 57,000 new feedback documents among
    5.7 million parses all of them, twice (stg_customer_feedback and the check). Built once per
    table (`if not exists`); SQLite keeps it up to date as rows are appended, and a table loaded
    anew (dbt seed, bulk_load) gets it again at its next build. Nothing on the other engines. -#}
{% macro index_raw_document_ids() -%}
    {{ return(adapter.dispatch('index_raw_document_ids', 'segments')()) }}
{%- endmacro %}

{% macro default__index_raw_document_ids() -%}
    select 1
{%- endmacro %}

{% macro sqlite__index_raw_document_ids() -%}
    {%- if execute and flags.WHICH in build_status_commands() -%}
        {%- set created = [] -%}
        {%- for node in graph.nodes.values() if node.resource_type == 'test' and node.test_metadata
                and node.test_metadata.name == 'valid_values' -%}
            {%- set new_rows_id = node.test_metadata.kwargs.get('new_rows_id') or {} -%}
            {%- set source = graph.sources.get(node.depends_on.nodes[0]) -%}
            {%- if new_rows_id.get('json_path') and source is not none -%}
                {%- set relation = adapter.get_relation(source.database, source.schema, source.identifier) -%}
                {%- if relation is not none -%}
                    {%- if not created -%}
                        {% do sqlite_wait_for_other_writers() %}
                    {%- endif -%}
                    {%- set path = new_rows_id.json_path -%}
                    {%- set id = json_field_if_valid(adapter.quote(new_rows_id.column), path) -%}
                    {% call statement('index_raw_document_ids', auto_begin=true) -%}
                        create index if not exists
                            {{ relation.schema }}."{{ relation.identifier }}__{{ path | join('__') }}"
                            on "{{ relation.identifier }}" ({{ id }})
                    {%- endcall %}
                    {%- do created.append(relation) -%}
                {%- endif -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if created -%}
            {% do adapter.commit() %}
        {%- endif -%}
    {%- endif -%}
    select 1
{%- endmacro %}
