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
