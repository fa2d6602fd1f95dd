{#- The segment history's snapshot (snapshots/customer_segment_snapshots.sql), for the backfill
    (python -m segments.history, docs/segment-history.md). -#}


{#- The snapshot table, from the graph: where dbt writes it on this target. -#}
{% macro segment_history_relation() -%}
    {%- set node = graph.nodes.get('snapshot.' ~ project_name ~ '.customer_segment_snapshots') -%}
    {%- if node is none -%}
        {{ exceptions.raise_compiler_error(
            "the segment history needs the snapshot customer_segment_snapshots, which is disabled on the "
            ~ target.type ~ " target (docs/segment-history.md)"
        ) }}
    {%- endif -%}
    {{ return(api.Relation.create(database=node.database, schema=node.schema, identifier=node.alias,
                                  type='table')) }}
{%- endmacro %}


{#- Drop the snapshot table, so that a backfill replays the history from its first day: a snapshot
    only adds rows after its newest ones. -#}
{% macro drop_segment_history() -%}
    {%- if execute -%}
        {% call statement('drop_segment_history', auto_begin=true) -%}
            drop table if exists {{ segment_history_relation() }}
        {%- endcall %}
        {% do adapter.commit() %}
    {%- endif -%}
{%- endmacro %}


{#- The time dbt's snapshots stamp rows with where no `updated_at` column does it: the rows ended
    because their customer left the raw data (hard_deletes: invalidate). The as-of date of the
    data, as for every other date of the snapshot (its `updated_at` is segment_date), never the
    warehouse's clock: the backfill's day, else the as-of date. dbt dispatches snapshot_get_time in
    its own namespace, which looks in the root project first, so this default__ version is the one
    every adapter uses. -#}
{% macro default__snapshot_get_time() -%}
    {%- set history_date = segment_history_date() -%}
    {{ return(history_date if history_date is not none else as_of_date()) }}
{%- endmacro %}


{#- The snapshot's rows for the history marts: the snapshot less the rows a second snapshot of
    the same day replaced (a row that begins and ends on one day: the day's state is the later
    row), or, before any snapshot was taken (a `dbt run`, which runs no snapshot, on a new
    warehouse), no rows of the same columns, so that the marts build empty instead of failing. A
    unit test's input is a fixture (its context has no graph): always read. -#}
{% macro segment_snapshot_rows() -%}
    {%- set relation = ref('customer_segment_snapshots') -%}
    {%- if execute and graph.nodes is defined and load_relation(relation) is none -%}
        select
            cast(null as {{ dbt.type_bigint() }}) as customer_id,
            cast(null as {{ dbt.type_string() }}) as customer_segment,
            {{ cents_to_amount('0') }} as total_sales_amount,
            cast(null as {{ dbt.type_bigint() }}) as number_of_orders,
            cast(null as {{ type_date() }}) as dbt_valid_from,
            cast(null as {{ type_date() }}) as dbt_valid_to
        where 1 = 0
    {%- else -%}
        select * from {{ relation }}
        where dbt_valid_to is null or dbt_valid_to > dbt_valid_from
    {%- endif -%}
{%- endmacro %}


{#- The snapshot's pre-hook: the history after the day about to be snapshotted is dropped, so that
    as-of dates only move forward. Rows that began after it are deleted and rows that ended after
    it are current again: the history as it stood on that day, which the snapshot then compares
    with the data. Nothing happens when the day is the history's last or later (every build of new
    data); data with an earlier as-of date (another data set loaded over the warehouse) rewinds
    the history to it instead of leaving rows from after it beside the new ones. Dispatched:
    `default__rewind_segment_history_after` (DELETE and UPDATE), `spark__rewind_segment_history_after`
    (a rebuild: Parquet tables have neither). -#}
{% macro rewind_segment_history() -%}
    {#- The table the snapshot writes: in a build, the unpublished copy (macros/publication/). -#}
    {%- set relation = unpublished_relation(this) if execute and is_built_unpublished(model) else this -%}
    {%- if execute and load_relation(relation) is not none -%}
        {%- set history_date = segment_history_date() -%}
        {%- set day = history_date if history_date is not none else as_of_date() -%}
        {% do adapter.dispatch('rewind_segment_history_after', 'segments')(relation, day) %}
    {%- endif -%}
    {{ return('') }}
{%- endmacro %}


{#- In the snapshot's transaction: the rewind commits with the snapshot or not at all. -#}
{% macro default__rewind_segment_history_after(relation, day) -%}
    {% call statement('rewind_segment_history_rows', auto_begin=true) -%}
        delete from {{ relation }} where dbt_valid_from > {{ day }}
    {%- endcall %}
    {% call statement('rewind_segment_history_ends', auto_begin=true) -%}
        update {{ relation }} set dbt_valid_to = null where dbt_valid_to > {{ day }}
    {%- endcall %}
{%- endmacro %}


{#- Spark's Parquet tables have no DELETE or UPDATE: when any row began or ended after the day, the
    table is rebuilt without the rows that began after it and with those that ended after it
    current again (spark_rebuild_table: a helper table, then insert overwrite; no transaction).
    The rows kept are those the DELETE keeps: a comparison with NULL drops none. -#}
{% macro spark__rewind_segment_history_after(relation, day) -%}
    {%- set counted = run_query(
        'select count(*) from ' ~ relation
        ~ ' where dbt_valid_from > ' ~ day ~ ' or dbt_valid_to > ' ~ day
    ) -%}
    {%- if counted.rows[0][0] > 0 -%}
        {%- set select_columns = [] -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- if column.name | lower == 'dbt_valid_to' -%}
                {%- do select_columns.append(
                    'cast(case when dbt_valid_to > ' ~ day ~ ' then null else dbt_valid_to end as '
                    ~ column.data_type ~ ') as dbt_valid_to'
                ) -%}
            {%- else -%}
                {%- do select_columns.append(adapter.quote(column.name)) -%}
            {%- endif -%}
        {%- endfor -%}
        {% do spark_rebuild_table(
            relation,
            'select ' ~ select_columns | join(', ') ~ ' from ' ~ relation
            ~ ' where not coalesce(dbt_valid_from > ' ~ day ~ ', false)',
            'dbt_rewind',
            'rewind_segment_history'
        ) %}
    {%- endif -%}
{%- endmacro %}
