{#- Write, audit, publish (docs/reliability.md, "Write, audit, publish"). A `dbt build` (or `run`,
    `retry`) writes every mart it builds beside the published one, as
    `<mart>__segments_unpublished`; the data tests of the build read those (the project's `ref`
    below points a selected mart's readers at its unpublished table). Only when every node of the
    build passed does on-run-end publish them all: drop each published mart and rename its
    unpublished table in its place, in one transaction, with the build status of each
    (macros/build_status/). Otherwise nothing is published, the unpublished tables are dropped, and
    readers keep the last good build's marts.

    Marts are materialized `published_table` or `published_incremental` (dbt_project.yml); on
    Spark, which has no transactions, they stay plain `table` / `incremental`, each replaced on
    its own as it is built. Staging and intermediate tables are not published: only marts are
    read outside the build. The segment history's snapshot (snapshots/) is published with the
    marts: a build merges the day into `customer_segment_snapshots__segments_unpublished`, a copy
    of the published table, and the history marts and their tests read that. -#}


{% macro published_materializations() -%}
    {{ return(['published_table', 'published_incremental']) }}
{%- endmacro %}


{#- The table a mart is written to before it is published. -#}
{% macro unpublished_relation(relation) -%}
    {{ return(relation.incorporate(path={"identifier": relation.identifier ~ "__segments_unpublished"},
                                   type='table')) }}
{%- endmacro %}


{#- True when `node` is published with the marts: a mart, or a snapshot where snapshots are. -#}
{% macro is_published_node(node) -%}
    {{ return((node.resource_type == 'model' and node.config.materialized in published_materializations())
              or (node.resource_type == 'snapshot' and snapshots_published())) }}
{%- endmacro %}


{#- Snapshots are published with the marts, except on Spark, which publishes nothing (its marts
    are plain tables, and it has no transactions). -#}
{% macro snapshots_published() -%}
    {{ return(adapter.dispatch('snapshots_published', 'segments')()) }}
{%- endmacro %}

{% macro default__snapshots_published() -%}
    {{ return(true) }}
{%- endmacro %}

{% macro spark__snapshots_published() -%}
    {{ return(false) }}
{%- endmacro %}


{#- True when this command builds `node` unpublished: a selected mart or snapshot of a building
    command (`dbt snapshot` on its own writes its table directly, as dbt does). -#}
{% macro is_built_unpublished(node) -%}
    {{ return(execute
              and flags.WHICH in build_status_commands()
              and is_published_node(node)
              and node.unique_id in selected_resources) }}
{%- endmacro %}


{#- dbt's ref, except that a mart this command builds is read from its unpublished table: by the
    marts built from it and by the data tests, which so audit what is about to be published. A
    mart not selected is read where it is published. -#}
{% macro ref() -%}
    {%- set relation = builtins.ref(*varargs, **kwargs) -%}
    {#- A unit test's inputs are fixtures, and its context has no graph of nodes. -#}
    {%- if execute and graph.nodes is defined and relation is not none and relation.identifier is defined -%}
        {%- set name = varargs[-1] -%}
        {%- set package = varargs[0] if varargs | length > 1 else project_name -%}
        {%- set node = graph.nodes.get('model.' ~ package ~ '.' ~ name)
                       or graph.nodes.get('snapshot.' ~ package ~ '.' ~ name) -%}
        {%- if node is not none and is_built_unpublished(node) -%}
            {{ return(unpublished_relation(relation)) }}
        {%- endif -%}
    {%- endif -%}
    {{ return(relation) }}
{%- endmacro %}


{#- dbt's fixture of a unit test's input model, whose columns dbt reads from the model's table
    when the test gives no types: a mart this build wrote but has not published yet has its table
    under its unpublished name, so the fixture is built here from that table's columns. Those are
    the columns the model has now; the published table has none on a first build, and an earlier
    build's columns when a column was renamed since (on-run-start dropped what a killed build left
    unpublished, so an unpublished table is always this build's). -#}
{% macro get_fixture_sql(rows, column_name_to_data_types) -%}
    {%- if not column_name_to_data_types and execute and this is not none -%}
        {%- set unpublished = load_relation(unpublished_relation(this)) -%}
        {%- if unpublished is not none -%}
            {{ return(fixture_sql_from_columns(rows, adapter.get_columns_in_relation(unpublished))) }}
        {%- endif -%}
    {%- endif -%}
    {{ return(dbt.get_fixture_sql(rows, column_name_to_data_types)) }}
{%- endmacro %}


{#- dbt's fixture SQL (global get_fixture_sql): one select per row, each column cast from the
    row's value or NULL, typed as the table's column. -#}
{% macro fixture_sql_from_columns(rows, columns) -%}
    {%- set types = {} -%}
    {%- set default_row = {} -%}
    {%- for column in columns -%}
        {%- do types.update({column.name | lower: column.data_type}) -%}
        {%- do default_row.update({column.name | lower: safe_cast("null", column.data_type) | trim}) -%}
    {%- endfor -%}
    {%- set selects = [] -%}
    {%- for row in rows -%}
        {%- set values = default_row.copy() -%}
        {%- do values.update(format_row(row, types)) -%}
        {%- set items = [] -%}
        {%- for name, value in values.items() -%}
            {%- do items.append(value ~ ' as ' ~ name) -%}
        {%- endfor -%}
        {%- do selects.append('select ' ~ items | join(', ')) -%}
    {%- endfor -%}
    {%- if not selects -%}
        {%- set items = [] -%}
        {%- for name, value in default_row.items() -%}
            {%- do items.append(value ~ ' as ' ~ name) -%}
        {%- endfor -%}
        {%- do selects.append('select ' ~ items | join(', ') ~ ' limit 0') -%}
    {%- endif -%}
    {{ return(selects | join('\nunion all\n')) }}
{%- endmacro %}


{#- An incremental run of a published_incremental mart: its published table exists and the run
    is no --full-refresh. The model's SQL (incremental_changes_only) then selects only the rows to
    replace, reading the published table as `this`. -#}
{% macro published_incremental_run() -%}
    {%- if not execute or model.resource_type != 'model'
          or model.config.get('materialized') != 'published_incremental' or should_full_refresh() -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set existing = adapter.get_relation(this.database, this.schema, this.identifier) -%}
    {{ return(existing is not none and existing.is_table) }}
{%- endmacro %}


{#- Build `sql` into the mart's unpublished table, replacing what a killed build may have left. -#}
{% macro write_unpublished(unpublished, sql) -%}
    {% do adapter.drop_relation(unpublished) %}
    {% call statement('main') -%}
        {{ get_create_table_as_sql(False, unpublished, sql) }}
    {%- endcall %}
{%- endmacro %}


{#- An incremental run: the published rows, with the rows whose unique_key is in the batch (`sql`)
    replaced by the batch. The published table is only read. -#}
{% macro write_unpublished_increment(published, unpublished, sql, unique_key) -%}
    {%- set batch = published.incorporate(path={"identifier": published.identifier ~ "__segments_batch"}) -%}
    {% do adapter.drop_relation(unpublished) %}
    {% do adapter.drop_relation(batch) %}
    {% call statement('copy_published') -%}
        {{ get_create_table_as_sql(False, unpublished, 'select * from ' ~ published) }}
    {%- endcall %}
    {% call statement('create_batch') -%}
        {{ get_create_table_as_sql(False, batch, sql) }}
    {%- endcall %}
    {%- set columns = adapter.get_columns_in_relation(batch) | map(attribute='name') | list -%}
    {% call statement('replace_rows') -%}
        delete from {{ unpublished }}
        where {{ unique_key }} in (select {{ unique_key }} from {{ batch }})
    {%- endcall %}
    {#- `main`: dbt reports its rows, the rows this run wrote. -#}
    {% call statement('main') -%}
        insert into {{ unpublished }} ({{ columns | join(', ') }})
        select {{ columns | join(', ') }} from {{ batch }}
    {%- endcall %}
    {% do adapter.drop_relation(batch) %}
{%- endmacro %}


{#- dbt's snapshot materialization takes its table from here. A snapshot built unpublished gets
    its unpublished table instead: a copy of the published one (none on a first snapshot), into
    which it merges the day, so that on-run-end publishes it with the marts or drops it. Every
    other caller gets dbt's answer. dbt dispatches this macro in its own namespace, which looks in
    the root project first. -#}
{% macro default__get_or_create_relation(database, schema, identifier, type) -%}
    {%- if execute and model is defined and model.resource_type == 'snapshot'
          and identifier == model.alias and is_built_unpublished(model) -%}
        {%- set published = api.Relation.create(database=database, schema=schema, identifier=identifier,
                                                type='table') -%}
        {%- set unpublished = unpublished_relation(published) -%}
        {% do adapter.drop_relation(unpublished) %}
        {%- set exists = load_relation(published) is not none -%}
        {%- if exists -%}
            {% call statement('copy_published_snapshot') -%}
                {{ get_create_table_as_sql(False, unpublished, 'select * from ' ~ published) }}
            {%- endcall %}
            {#- So that the snapshot's pre-hook (load_relation) finds it. -#}
            {% do adapter.cache_added(unpublished) %}
        {%- endif -%}
        {{ return((exists, unpublished)) }}
    {%- endif -%}
    {{ return(dbt.default__get_or_create_relation(database, schema, identifier, type)) }}
{%- endmacro %}


{% macro publication_wait_for_other_writers() -%}
    {{ return(adapter.dispatch('publication_wait_for_other_writers', 'segments')()) }}
{%- endmacro %}

{% macro default__publication_wait_for_other_writers() -%}
{%- endmacro %}

{% macro sqlite__publication_wait_for_other_writers() -%}
    {% do sqlite_wait_for_other_writers() %}
{%- endmacro %}


{% materialization published_table, default -%}
    {%- set published = this.incorporate(type='table') -%}
    {%- set unpublished = unpublished_relation(published) -%}
    {% do publication_wait_for_other_writers() %}
    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}
    {% do write_unpublished(unpublished, sql) %}
    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {% do adapter.commit() %}
    {{ run_hooks(post_hooks, inside_transaction=False) }}
    {{ return({'relations': [unpublished]}) }}
{%- endmaterialization %}


{% materialization published_incremental, default -%}
    {%- set published = this.incorporate(type='table') -%}
    {%- set unpublished = unpublished_relation(published) -%}
    {%- set unique_key = config.require('unique_key') -%}
    {#- The same test as the model's SQL made when it was compiled. -#}
    {%- set incremental = published_incremental_run() -%}
    {% do publication_wait_for_other_writers() %}
    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}
    {% if incremental %}
        {% do write_unpublished_increment(published, unpublished, sql, unique_key) %}
    {% else %}
        {% do write_unpublished(unpublished, sql) %}
    {% endif %}
    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {% do adapter.commit() %}
    {{ run_hooks(post_hooks, inside_transaction=False) }}
    {{ return({'relations': [unpublished]}) }}
{%- endmaterialization %}


{#- on-run-start: drop the unpublished tables a killed build left (it never reached on-run-end). -#}
{% macro drop_unpublished_leftovers() -%}
    {%- if execute and flags.WHICH in build_status_commands() -%}
        {%- set dropped = [] -%}
        {%- for node in graph.nodes.values() if is_published_node(node) -%}
            {%- set leftover = load_relation(unpublished_relation(published_relation_of(node))) -%}
            {%- if leftover is not none -%}
                {% call statement('drop_leftover', auto_begin=true) -%}
                    drop table if exists {{ leftover }}
                {%- endcall %}
                {%- do dropped.append(node.name) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if dropped -%}
            {% do adapter.commit() %}
            {{ log("Dropped the unpublished marts an interrupted build left: " ~ dropped | join(", "),
                   info=true) }}
        {%- endif -%}
    {%- endif -%}
    {{ return('select 1') }}
{%- endmacro %}


{#- on-run-end: publish every mart this command built, in one transaction, if no node of the
    command errored or failed; otherwise publish nothing and drop the unpublished tables. -#}
{% macro publish_marts(results) -%}
    {%- if not execute or flags.WHICH not in build_status_commands() -%}
        {{ return('select 1') }}
    {%- endif -%}
    {%- set built = [] -%}
    {%- set failed = [] -%}
    {%- for result in results -%}
        {%- if result.status in ('error', 'fail', 'runtime error') -%}
            {%- do failed.append(result.node.name) -%}
        {%- elif result.status == 'success' and is_published_node(result.node) -%}
            {%- do built.append(result.node) -%}
        {%- endif -%}
    {%- endfor -%}
    {% do publication_wait_for_other_writers() %}
    {%- if failed -%}
        {%- for node in built -%}
            {% call statement('drop_unpublished', auto_begin=true) -%}
                drop table if exists {{ unpublished_relation(published_relation_of(node)) }}
            {%- endcall %}
        {%- endfor -%}
        {%- if built -%}
            {% do adapter.commit() %}
        {%- endif -%}
        {{ log("Nothing published: " ~ failed | length ~ " node(s) failed (" ~ failed | sort | join(", ")
               ~ "). Every mart keeps the rows of the last build that passed.", info=true) }}
    {%- else -%}
        {% do publish_marts_in_one_transaction(built, results) %}
        {%- set marts = built | selectattr('resource_type', 'equalto', 'model') | list -%}
        {%- if marts -%}
            {{ log("Published " ~ marts | length ~ " mart(s) in one transaction: "
                   ~ marts | map(attribute='name') | sort | join(", "), info=true) }}
        {%- endif -%}
    {%- endif -%}
    {{ return('select 1') }}
{%- endmacro %}


{% macro published_relation_of(node) -%}
    {{ return(api.Relation.create(database=node.database, schema=node.schema,
                                  identifier=node.alias, type='table')) }}
{%- endmacro %}


{#- Replace each published mart (and snapshot) with its unpublished table, record the build of
    each mart (macros/build_status/) and the orders the checks of new orders passed
    (checked_orders.sql), in one transaction. -#}
{% macro publish_marts_in_one_transaction(nodes, results) -%}
    {{ return(adapter.dispatch('publish_marts_in_one_transaction', 'segments')(nodes, results)) }}
{%- endmacro %}

{#- The first statement writes, so that on SQLite the transaction takes the write lock at once (a
    read first could fail to upgrade it later). -#}
{% macro default__publish_marts_in_one_transaction(nodes, results) -%}
    {%- set marts = nodes | selectattr('resource_type', 'equalto', 'model') | list -%}
    {% call statement('publish_marts', auto_begin=true) -%}
        {% if marts %}{{ forget_mart_builds(marts) }}{% else %}select 1{% endif %}
    {%- endcall %}
    {% do record_rows_checked(results) %}
    {% for node in nodes %}
        {%- set published = published_relation_of(node) -%}
        {% do adapter.drop_relation(published) %}
        {% do adapter.rename_relation(unpublished_relation(published), published) %}
        {% if node.resource_type == 'model' %}
            {% call statement('record_mart_build') -%}
                {{ record_mart_build(node) }}
            {%- endcall %}
        {% endif %}
    {% endfor %}
    {% do adapter.commit() %}
{%- endmacro %}

{#- Spark: nothing is built unpublished (its marts are plain tables), and it has no transactions. -#}
{% macro spark__publish_marts_in_one_transaction(nodes, results) -%}
{%- endmacro %}

{#- SQLite: legacy_alter_table, so that the rename does not check every view of the schema (a
    view reading the table just dropped would fail it). -#}
{% macro sqlite__publish_marts_in_one_transaction(nodes, results) -%}
    {% do adapter.execute('pragma legacy_alter_table = on') %}
    {% do default__publish_marts_in_one_transaction(nodes, results) %}
    {% do adapter.execute('pragma legacy_alter_table = off') %}
{%- endmacro %}
