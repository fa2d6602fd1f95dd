{#- dbt snapshots on Spark with Parquet tables (snapshots/, docs/segment-history.md). dbt-spark's
    snapshot materialization accepts only Delta, Iceberg and Hudi tables, whose MERGE INTO it
    needs; Parquet tables have neither MERGE, UPDATE nor DELETE. This one, in the root project, is
    the one dbt picks for the spark adapter: the same steps as dbt-spark's (the strategy, the
    first build with build_snapshot_table, later runs from snapshot_staging_table, hooks,
    hard_deletes), but the changes are applied by a rebuild: the whole new snapshot is written to
    `<snapshot>__dbt_new`, then `insert overwrite` puts it in the snapshot table (Spark cannot
    overwrite a table in a statement that reads it) and the helper tables are dropped. Spark has
    no transactions: a run killed during the overwrite can leave the table partly written, and
    the next snapshot must then start from a rerun of the history (python -m segments.history). -#}


{#- A helper table beside `relation`, named `<relation>__<suffix>`. -#}
{% macro spark_helper_relation(relation, suffix) -%}
    {{ return(api.Relation.create(database=none, schema=relation.schema,
                                  identifier=relation.identifier ~ '__' ~ suffix, type='table')) }}
{%- endmacro %}


{#- Replace the rows of the Parquet table `target_relation` with those of `sql` (a select of the
    target's columns in its order, which may read the target): the rows are written to the helper
    table `<target>__<suffix>` first, then `insert overwrite` copies them into the target and the
    helper is dropped. The overwrite is the statement named `statement_name`. -#}
{% macro spark_rebuild_table(target_relation, sql, suffix, statement_name) -%}
    {%- set new_relation = spark_helper_relation(target_relation, suffix) -%}
    {#- A leftover of a killed run holds nothing anyone reads. -#}
    {% do adapter.drop_relation(new_relation) %}
    {% call statement('build_' ~ suffix) -%}
        create table {{ new_relation }} using parquet as {{ sql }}
    {%- endcall %}
    {% call statement(statement_name) -%}
        insert overwrite table {{ target_relation }} select * from {{ new_relation }}
    {%- endcall %}
    {% do adapter.drop_relation(new_relation) %}
{%- endmacro %}


{#- The select of the whole snapshot after a run: every row of the target, with dbt_valid_to set
    from the staging rows of change type 'update' or 'delete' for the current rows they end, and
    the staging rows of change type 'insert'; the target's columns in its order and types. -#}
{% macro spark_snapshot_rebuild_sql(target, staging, target_columns) -%}
    {%- set columns = config.get('snapshot_table_column_names') or get_snapshot_table_column_names() -%}
    {%- set valid_to_current = config.get('dbt_valid_to_current') -%}
    select
        {%- for column in target_columns %}
        {%- if column.name | lower == columns.dbt_valid_to | lower %}
        cast(case
            when ended.{{ columns.dbt_scd_id }} is not null then ended.{{ columns.dbt_valid_to }}
            else snapshotted.{{ adapter.quote(column.name) }}
        end as {{ column.data_type }}) as {{ adapter.quote(column.name) }}
        {%- else %}
        snapshotted.{{ adapter.quote(column.name) }}
        {%- endif %}
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from {{ target }} as snapshotted
    left join (
        select {{ columns.dbt_scd_id }}, {{ columns.dbt_valid_to }}
        from {{ staging }}
        where dbt_change_type in ('update', 'delete')
    ) as ended
        on
            snapshotted.{{ columns.dbt_scd_id }} = ended.{{ columns.dbt_scd_id }}
            and (
                snapshotted.{{ columns.dbt_valid_to }} is null
                {%- if valid_to_current %}
                or snapshotted.{{ columns.dbt_valid_to }} = {{ valid_to_current }}
                {%- endif %}
            )

    union all

    select
        {%- for column in target_columns %}
        cast({{ adapter.quote(column.name) }} as {{ column.data_type }}) as {{ adapter.quote(column.name) }}
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from {{ staging }}
    where dbt_change_type = 'insert'
{%- endmacro %}


{% materialization snapshot, adapter='spark' %}

    {%- set target_table = model.get('alias', model.get('name')) -%}

    {%- set strategy_name = config.get('strategy') -%}
    {%- set grant_config = config.get('grants') -%}

    {% set target_relation_exists, target_relation = get_or_create_relation(
        database=none,
        schema=model.schema,
        identifier=target_table,
        type='table') -%}

    {% if not adapter.check_schema_exists(model.database, model.schema) %}
        {% do create_schema(model.schema) %}
    {% endif %}

    {%- if not target_relation.is_table -%}
        {% do exceptions.relation_wrong_type(target_relation, 'table') %}
    {%- endif -%}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}

    {{ run_hooks(pre_hooks, inside_transaction=True) }}

    {% set strategy_macro = strategy_dispatch(strategy_name) %}
    {% set strategy = strategy_macro(model, "snapshotted_data", "source_data", model['config'],
                                     target_relation_exists) %}

    {% if not target_relation_exists %}

        {% set build_sql = build_snapshot_table(strategy, model['compiled_code']) %}
        {% set build_or_select_sql = build_sql %}
        {{ check_time_data_types(build_or_select_sql) }}

        {% call statement('main') %}
            {{ create_table_as(False, target_relation, build_sql) }}
        {% endcall %}

    {% else %}

        {% set columns = config.get("snapshot_table_column_names") or get_snapshot_table_column_names() %}

        {{ adapter.assert_valid_snapshot_target_given_strategy(target_relation, columns, strategy) }}

        {% set build_or_select_sql = snapshot_staging_table(strategy, sql, target_relation) %}
        {#- A view (dbt-spark's): it reads the target, so the rebuild materializes it first. -#}
        {% set staging_table = spark_build_snapshot_staging_table(strategy, sql, target_relation) %}

        {% set remove_columns = ['dbt_change_type', 'DBT_CHANGE_TYPE', 'dbt_unique_key', 'DBT_UNIQUE_KEY'] %}
        {% if strategy.unique_key | is_list %}
            {% for key in strategy.unique_key %}
                {% do remove_columns.append('dbt_unique_key_' ~ loop.index) %}
                {% do remove_columns.append('DBT_UNIQUE_KEY_' ~ loop.index) %}
            {% endfor %}
        {% endif %}

        {% set missing_columns = adapter.get_missing_columns(staging_table, target_relation)
                                 | rejectattr('name', 'in', remove_columns)
                                 | list %}

        {% do create_columns(target_relation, missing_columns) %}

        {{ check_time_data_types(build_or_select_sql) }}

        {% set target_columns = adapter.get_columns_in_relation(target_relation) %}
        {% do spark_rebuild_table(
            target_relation,
            spark_snapshot_rebuild_sql(target_relation, staging_table, target_columns),
            'dbt_new',
            'main'
        ) %}

    {% endif %}

    {% set should_revoke = should_revoke(target_relation_exists, full_refresh_mode=False) %}
    {% do apply_grants(target_relation, grant_config, should_revoke=should_revoke) %}

    {% do persist_docs(target_relation, model) %}

    {{ run_hooks(post_hooks, inside_transaction=True) }}

    {{ adapter.commit() }}

    {% if staging_table is defined %}
        {% do post_snapshot(staging_table) %}
    {% endif %}

    {{ run_hooks(post_hooks, inside_transaction=False) }}

    {{ return({'relations': [target_relation]}) }}

{% endmaterialization %}
