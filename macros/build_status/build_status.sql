{#- Build status (segments/publish/status.py): which build wrote each mart, and from which raw data.

    Two small tables in the target schema, written by dbt itself and read by `python -m
    segments.publish.status` and `python -m segments.publish` (documented as the source `build_status`,
    models/build_status/_build_status__sources.yml):
    - build_runs: one row per `dbt build` / `dbt run` / `dbt retry`: written by on-run-start
      (invocation, start, the optional inputs on, the marts enabled and selected, the raw
      fingerprint and the query that computes it) and completed by on-run-end (finish, outcome,
      the marts whose data tests failed).
    - mart_builds: one row per mart, replaced in the transaction that publishes the mart
      (macros/publication/): the build that wrote it, when, which raw tables it is built from and their
      fingerprint at the start of that build.

    The raw fingerprint is loader-agnostic (dbt seed, bulk_load or the user's own tables): per
    table of the source `shop`, its row count and one cheap sum per column (whole numbers: the sum;
    other numbers: the sum in cents; text: the total length), or `absent`. The query is stored with
    it, so a reader can tell whether the raw tables have changed since without dbt.

    Not recorded on Spark (its Parquet tables allow no delete or update): the Spark variants do
    nothing. -#}


{#- Commands that build marts, and so record what they build. -#}
{% macro build_status_commands() -%}
    {{ return(['build', 'run', 'retry']) }}
{%- endmacro %}


{% macro build_status_relation(name) -%}
    {{ return(api.Relation.create(database=target.database, schema=target.schema, identifier=name,
                                  type='table')) }}
{%- endmacro %}


{#- A SQL string literal of `value` (quotes doubled). -#}
{% macro build_status_literal(value) -%}
    {{ return("'" ~ (value | string | replace("'", "''")) ~ "'") }}
{%- endmacro %}


{#- Run `sql` in the transaction that the first call begins; the caller commits it. -#}
{% macro build_status_execute(sql) -%}
    {% call statement('build_status', auto_begin=true) -%}
        {{ sql }}
    {%- endcall %}
{%- endmacro %}


{#- Now, UTC, as ISO text (`YYYY-MM-DD HH:MM:SS`): stored as text, the same on every engine. -#}
{% macro build_status_now() -%}
    {{ return(modules.datetime.datetime.utcnow().strftime('%Y-%m-%d %H:%M:%S')) }}
{%- endmacro %}


{#- The names of the marts (models under models/marts/) enabled in this project, sorted. -#}
{% macro build_status_marts(only_selected=false) -%}
    {%- set names = [] -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' and 'marts' in node.fqn -%}
        {%- if not only_selected or node.unique_id in selected_resources -%}
            {%- do names.append(node.name) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(names | sort) }}
{%- endmacro %}


{#- One column's cheap aggregate, as text, by the column's warehouse type. -#}
{% macro build_status_column_aggregate(column) -%}
    {%- set dtype = column.dtype | lower -%}
    {%- set name = adapter.quote(column.name) -%}
    {%- set sum = build_status_sum() -%}
    {%- if 'int' in dtype and 'interval' not in dtype -%}
        {%- set aggregate = sum ~ '(' ~ name ~ ')' -%}
    {%- elif dtype.startswith('numeric') or dtype.startswith('decimal') or dtype in (
        'real', 'double', 'double precision', 'float', 'float4', 'float8', 'num') -%}
        {%- set aggregate = sum ~ '(' ~ to_cents(name) ~ ')' -%}
    {%- else -%}
        {%- set aggregate = sum ~ '(length(cast(' ~ name ~ ' as ' ~ dbt.type_string() ~ ')))' -%}
    {%- endif -%}
    {{ return("coalesce(cast(" ~ aggregate ~ " as " ~ dbt.type_string() ~ "), '')") }}
{%- endmacro %}


{#- The sum of the fingerprint: one that cannot fail on the raw data, which no check has read yet.
    PostgreSQL and DuckDB sum whole numbers into a wider type. -#}
{% macro build_status_sum() -%}
    {{ return(adapter.dispatch('build_status_sum', 'segments')()) }}
{%- endmacro %}

{% macro default__build_status_sum() -%}
    {{ return('sum') }}
{%- endmacro %}

{#- SQLite's sum() of integers stops the statement with "integer overflow" past 2^63 (two order ids
    of 19 digits); total() adds in floating point and never fails. -#}
{% macro sqlite__build_status_sum() -%}
    {{ return('total') }}
{%- endmacro %}


{#- A query of one row and one text column: `name=count,sum,...;name=...` over the raw tables of
    the source `shop` (sorted by name), `name=absent` for a table not in the warehouse. -#}
{% macro build_status_raw_fingerprint_sql() -%}
    {%- set parts = [] -%}
    {%- set sources = graph.sources.values()
        | selectattr('source_name', 'equalto', 'shop') | sort(attribute='name') -%}
    {%- for source in sources -%}
        {%- set relation = adapter.get_relation(source.database, source.schema, source.identifier) -%}
        {%- if relation is none -%}
            {%- do parts.append(build_status_literal(source.name ~ '=absent')) -%}
        {%- else -%}
            {%- set measures = ["cast(count(*) as " ~ dbt.type_string() ~ ")"] -%}
            {%- for column in adapter.get_columns_in_relation(relation) | sort(attribute='name') -%}
                {%- do measures.append(build_status_column_aggregate(column)) -%}
            {%- endfor -%}
            {%- do parts.append("(select " ~ build_status_literal(source.name ~ '=') ~ " || "
                ~ measures | join(" || ',' || ") ~ " from " ~ relation ~ ")") -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return("select " ~ parts | join(" || ';' || ") ~ " as raw_fingerprint") }}
{%- endmacro %}


{#- The raw tables (names in the source `shop`) that the node `unique_id` is built from, added to
    `found`. -#}
{% macro build_status_raw_tables_of(unique_id, found) -%}
    {%- if unique_id in graph.sources -%}
        {%- set source = graph.sources[unique_id] -%}
        {%- if source.source_name == 'shop' and source.name not in found -%}
            {%- do found.append(source.name) -%}
        {%- endif -%}
    {%- elif unique_id in graph.nodes -%}
        {%- for parent in graph.nodes[unique_id].depends_on.nodes -%}
            {%- do build_status_raw_tables_of(parent, found) -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}


{#- on-run-start: create the two tables if missing, and record this build's start. -#}
{% macro record_build_start() -%}
    {{ return(adapter.dispatch('record_build_start', 'segments')()) }}
{%- endmacro %}

{% macro default__record_build_start() -%}
    {%- if execute and flags.WHICH in build_status_commands() -%}
        {%- set text = dbt.type_string() -%}
        {% do build_status_execute(
            'create table if not exists ' ~ build_status_relation('build_runs') ~ ' ('
            ~ 'invocation_id ' ~ text ~ ', command ' ~ text ~ ', started_at ' ~ text
            ~ ', finished_at ' ~ text ~ ', succeeded ' ~ dbt.type_int() ~ ', failed_nodes ' ~ text
            ~ ', inputs ' ~ text ~ ', marts_enabled ' ~ text ~ ', marts_selected ' ~ text
            ~ ', raw_fingerprint ' ~ text ~ ', fingerprint_sql ' ~ text ~ ', marts_failed ' ~ text ~ ')'
        ) %}
        {% do build_status_execute(
            'create table if not exists ' ~ build_status_relation('mart_builds') ~ ' ('
            ~ 'mart_name ' ~ text ~ ', invocation_id ' ~ text ~ ', built_at ' ~ text
            ~ ', raw_tables ' ~ text ~ ', raw_fingerprint ' ~ text ~ ')'
        ) %}
        {%- set fingerprint_sql = build_status_raw_fingerprint_sql() -%}
        {%- set inputs = optional_inputs() | select('in', named_inputs()) | join(',') or 'none' -%}
        {% do build_status_execute(
            'insert into ' ~ build_status_relation('build_runs')
            ~ ' (invocation_id, command, started_at, inputs, marts_enabled, marts_selected,'
            ~ ' raw_fingerprint, fingerprint_sql) select '
            ~ build_status_literal(invocation_id) ~ ', '
            ~ build_status_literal(flags.WHICH) ~ ', '
            ~ build_status_literal(build_status_now()) ~ ', '
            ~ build_status_literal(inputs) ~ ', '
            ~ build_status_literal(build_status_marts() | join(',')) ~ ', '
            ~ build_status_literal(build_status_marts(only_selected=true) | join(',')) ~ ', '
            ~ '(' ~ fingerprint_sql ~ '), '
            ~ build_status_literal(fingerprint_sql)
        ) %}
        {% do adapter.commit() %}
    {%- endif -%}
    select 1
{%- endmacro %}

{#- SQLite: wait for another build's write lock, as every model does (sqlite_swap.sql). -#}
{% macro sqlite__record_build_start() -%}
    {%- if execute and flags.WHICH in build_status_commands() -%}
        {% do sqlite_wait_for_other_writers() %}
    {%- endif -%}
    {{ return(default__record_build_start()) }}
{%- endmacro %}

{% macro spark__record_build_start() -%}
    select 1
{%- endmacro %}


{#- on-run-end: this build's finish and outcome (succeeded 1 when no node errored or failed), and
    the marts whose data tests failed. -#}
{% macro record_build_end(results) -%}
    {{ return(adapter.dispatch('record_build_end', 'segments')(results)) }}
{%- endmacro %}

{% macro default__record_build_end(results) -%}
    {%- if execute and flags.WHICH in build_status_commands() -%}
        {%- set failed = [] -%}
        {%- set failed_marts = [] -%}
        {%- set marts = build_status_marts() -%}
        {%- for result in results if result.status in ('error', 'fail', 'runtime error') -%}
            {%- do failed.append(result.node.name) -%}
            {#- A data test that failed on a mart this build wrote: the mart's rows failed it. -#}
            {%- if result.node.resource_type == 'test' -%}
                {%- for parent in result.node.depends_on.nodes if parent.startswith('model.') -%}
                    {%- set name = parent.split('.')[-1] -%}
                    {%- if name in marts and name not in failed_marts -%}
                        {%- do failed_marts.append(name) -%}
                    {%- endif -%}
                {%- endfor -%}
            {%- endif -%}
        {%- endfor -%}
        {% do build_status_execute(
            'update ' ~ build_status_relation('build_runs') ~ ' set finished_at = '
            ~ build_status_literal(build_status_now()) ~ ', succeeded = ' ~ (0 if failed else 1)
            ~ ', failed_nodes = ' ~ build_status_literal(failed | join(','))
            ~ ', marts_failed = ' ~ build_status_literal(failed_marts | sort | join(','))
            ~ ' where invocation_id = ' ~ build_status_literal(invocation_id)
        ) %}
        {% do adapter.commit() %}
    {%- endif -%}
    select 1
{%- endmacro %}

{% macro sqlite__record_build_end(results) -%}
    {%- if execute and flags.WHICH in build_status_commands() -%}
        {% do sqlite_wait_for_other_writers() %}
    {%- endif -%}
    {{ return(default__record_build_end(results)) }}
{%- endmacro %}

{% macro spark__record_build_end(results) -%}
    select 1
{%- endmacro %}


{#- In the transaction that publishes marts (macros/publication/): forget their previous records,
    then record this build for each, its raw tables and their fingerprint at this build's start. -#}
{% macro forget_mart_builds(nodes) -%}
    {{ return(adapter.dispatch('forget_mart_builds', 'segments')(nodes)) }}
{%- endmacro %}

{% macro default__forget_mart_builds(nodes) -%}
    delete from {{ build_status_relation('mart_builds') }}
    where mart_name in (
        {%- for node in nodes -%}
        {{ build_status_literal(node.name) }}{{ ', ' if not loop.last }}
        {%- endfor -%}
    )
{%- endmacro %}

{% macro spark__forget_mart_builds(nodes) -%}
    select 1
{%- endmacro %}


{% macro record_mart_build(node) -%}
    {{ return(adapter.dispatch('record_mart_build', 'segments')(node)) }}
{%- endmacro %}

{% macro default__record_mart_build(node) -%}
    {%- set raw_tables = [] -%}
    {%- do build_status_raw_tables_of(node.unique_id, raw_tables) -%}
    insert into {{ build_status_relation('mart_builds') }}
        (mart_name, invocation_id, built_at, raw_tables, raw_fingerprint)
    select
        {{ build_status_literal(node.name) }},
        invocation_id,
        {{ build_status_literal(build_status_now()) }},
        {{ build_status_literal(raw_tables | sort | join(',')) }},
        raw_fingerprint
    from {{ build_status_relation('build_runs') }}
    where invocation_id = {{ build_status_literal(invocation_id) }}
{%- endmacro %}

{% macro spark__record_mart_build(node) -%}
    select 1
{%- endmacro %}
