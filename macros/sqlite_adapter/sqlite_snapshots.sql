{#- dbt snapshots on SQLite (snapshots/, docs/segment-history.md). dbt-sqlite's
    snapshot_hash_arguments calls md5(), a function SQLite does not have, so every snapshot fails.
    dbt dispatches snapshot_hash_arguments in its own namespace, which looks in the root project
    first: this version wins. dbt_scd_id only has to tell a snapshot's rows apart (one per key and
    `updated_at`), so the arguments joined with '|' serve: readable, and the same on every run. -#}
{% macro sqlite__snapshot_hash_arguments(args) -%}
    ({%- for arg in args -%}
        coalesce(cast({{ arg }} as text), '')
        {%- if not loop.last %} || '|' || {% endif -%}
    {%- endfor -%})
{%- endmacro %}


{#- dbt-sqlite's merge ends the current rows in one statement it runs on its own and inserts the
    new rows in another. Here both run after `begin`, in the transaction the snapshot
    materialization commits: a kill in between rolls both back (SQLite's journal), so the history
    is as before the snapshot or as after it, never closed rows without their successors. The rows
    of customers who left the raw data (change type 'delete', hard_deletes 'invalidate') are ended
    too: dbt-sqlite ended only updates and left those current. Only the rows in the staging table
    are touched. -#}
{% macro sqlite__snapshot_merge_sql(target, source, insert_cols) -%}
    {%- set insert_cols_csv = insert_cols | join(', ') -%}
    {% do sqlite_wait_for_other_writers() %}
    {#- auto_begin: dbt opens the transaction (BEGIN) unless it already has. -#}
    {% do adapter.add_query(
        'update ' ~ target ~ ' set dbt_valid_to = ('
        ~ ' select updates.dbt_valid_to from ' ~ source ~ ' as updates'
        ~ ' where updates.dbt_scd_id = ' ~ target ~ '.dbt_scd_id'
        ~ " and updates.dbt_change_type in ('update', 'delete'))"
        ~ ' where dbt_valid_to is null and dbt_scd_id in ('
        ~ ' select updates.dbt_scd_id from ' ~ source ~ ' as updates'
        ~ " where updates.dbt_change_type in ('update', 'delete'))",
        auto_begin=true
    ) %}
    insert into {{ target }} ({{ insert_cols_csv }})
    select {{ insert_cols_csv }}
    from {{ source }}
    where dbt_change_type = 'insert'
{%- endmacro %}
