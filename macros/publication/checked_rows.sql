{#- Checks of new rows only (docs/reliability.md, "Checks of new rows"). Orders, their lines and
    feedback only grow, with higher ids, and a build publishes only when every check passed; so a
    check tagged `new_rows_only` need not read again the rows it passed in an earlier published
    build. Its filter keeps the rows whose id is above the newest one it passed (`rows_checked`, one
    row per check, written in the publishing transaction). The id is the check's
    `meta.checked_through: {model, column}`, by default `stg_orders.order_id`. Only the daily
    refresh (`dbt build --selector refresh`, selectors.yml) reads new rows only: every other
    command, and the refresh on a warehouse without the table, checks every row, so a plain
    `dbt build` also sees a loaded row that was edited in place. -#}


{% macro rows_checked_relation() -%}
    {{ return(build_status_relation('rows_checked')) }}
{%- endmacro %}


{#- The model and column whose newest value a check tagged `new_rows_only` has passed. -#}
{% macro checked_through_of(node) -%}
    {%- set spec = (node.config.meta or {}).get('checked_through') or {} -%}
    {{ return({'model': spec.get('model', 'stg_orders'), 'column': spec.get('column', 'order_id')}) }}
{%- endmacro %}


{#- A condition on a typed `id`: in the daily refresh without --full-refresh, true for the rows
    whose id is above the newest this check passed in a published build; otherwise always true. -#}
{% macro not_checked_yet(id) -%}
    {{ return(adapter.dispatch('not_checked_yet', 'segments')(id)) }}
{%- endmacro %}

{#- Spark publishes nothing and records no rows_checked: its checks read every row. -#}
{% macro spark__not_checked_yet(id) -%}
    {{ return('(1 = 1)') }}
{%- endmacro %}

{#- The newest id is read when the check is compiled, right before it runs (rows_checked changes
    only when a build publishes, at its end), and written into the check as a number: `id > 41`
    is answered from an index on id, where a subquery in an `or` is a scan of the table. -#}
{% macro default__not_checked_yet(id) -%}
    {%- set newest = newest_id_checked() -%}
    {{ return('(1 = 1)' if newest is none else '(' ~ id ~ ' > ' ~ newest ~ ')') }}
{%- endmacro %}


{#- The newest id this check (the node being compiled) passed in a published build, read in the
    daily refresh without --full-refresh; none otherwise, or when nothing is recorded. -#}
{% macro newest_id_checked() -%}
    {%- set refresh = invocation_args_dict.get('selector') == 'refresh' -%}
    {%- if execute and refresh and flags.WHICH in build_status_commands() and not flags.FULL_REFRESH -%}
        {%- set checked = rows_checked_relation() -%}
        {%- if load_relation(checked) is not none -%}
            {%- set newest = run_query(
                'select max(checked_through) from ' ~ checked
                ~ ' where check_name = ' ~ build_status_literal(model.name)
            ).columns[0].values()[0] -%}
            {%- if newest is not none -%}
                {{ return(newest | int) }}
            {%- endif -%}
        {%- endif -%}
    {%- endif -%}
    {{ return(none) }}
{%- endmacro %}


{#- not_checked_yet on a raw table's id, which a user's table may hold as text: on SQLite text
    compares with numbers (and sorts after them, so a non-numeric id is checked); elsewhere such a
    comparison fails, so every raw row is checked. -#}
{% macro raw_not_checked_yet(id) -%}
    {{ return(adapter.dispatch('raw_not_checked_yet', 'segments')(id)) }}
{%- endmacro %}

{% macro default__raw_not_checked_yet(id) -%}
    {{ return('(1 = 1)') }}
{%- endmacro %}

{#- Text ids are above every number on SQLite; a row without an id is checked too. -#}
{% macro sqlite__raw_not_checked_yet(id) -%}
    {%- set newest = newest_id_checked() -%}
    {{ return('(1 = 1)' if newest is none else '(' ~ id ~ ' > ' ~ newest ~ ' or ' ~ id ~ ' is null)') }}
{%- endmacro %}


{#- In the publishing transaction: for every check tagged `new_rows_only` that passed in this
    build, the newest id it has now passed (the newest in its checked_through model). -#}
{% macro record_rows_checked(results) -%}
    {{ return(adapter.dispatch('record_rows_checked', 'segments')(results)) }}
{%- endmacro %}

{#- Spark: nothing (its Parquet tables allow no delete); its checks read every row. -#}
{% macro spark__record_rows_checked(results) -%}
{%- endmacro %}

{% macro default__record_rows_checked(results) -%}
    {%- set passed = [] -%}
    {%- for result in results if result.status == 'pass' and 'new_rows_only' in result.node.tags -%}
        {%- set through = checked_through_of(result.node) -%}
        {%- set source = graph.nodes.get('model.' ~ project_name ~ '.' ~ through.model) -%}
        {%- if source is not none -%}
            {%- do passed.append({'name': result.node.name, 'column': through.column,
                                  'relation': api.Relation.create(database=source.database,
                                                                  schema=source.schema,
                                                                  identifier=source.alias)}) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if passed -%}
        {%- set checked = rows_checked_relation() -%}
        {% call statement('rows_checked_table', auto_begin=true) -%}
            create table if not exists {{ checked }} (
                check_name {{ dbt.type_string() }}, checked_through {{ dbt.type_bigint() }}
            )
        {%- endcall %}
        {% call statement('rows_checked_forget', auto_begin=true) -%}
            delete from {{ checked }} where check_name in (
                {%- for check in passed -%}
                    {{ build_status_literal(check.name) }}{{ ', ' if not loop.last }}
                {%- endfor -%}
            )
        {%- endcall %}
        {% for check in passed %}
            {% call statement('rows_checked_record', auto_begin=true) -%}
                insert into {{ checked }} (check_name, checked_through)
                select {{ build_status_literal(check.name) }}, max({{ check.column }})
                from {{ check.relation }}
            {%- endcall %}
        {% endfor %}
    {%- endif -%}
{%- endmacro %}
