{#- Atomic builds on SQLite (docs/reliability.md, "Faults"). dbt-sqlite's table materialization, and its
    incremental one on a first build or --full-refresh, drop the old table in a statement of its
    own, committed at once, and only then create the new one: a failure or a kill in between leaves
    no table. Here the new table is built under a temporary name and swapped in (drop the old,
    rename the new) in the same transaction, so readers and a crash see the old table or the new
    one, never none. SQLite's DDL is transactional; its journal rolls an interrupted transaction
    back the next time the file is opened. -#}


{#- Wait this long for another writer (another `dbt build` on the same file) before failing with
    "database is locked"; Python's sqlite3 waits 5 s, less than one large model takes to build. -#}
{% macro sqlite_wait_for_other_writers(milliseconds=120000) -%}
    {% do adapter.execute('pragma busy_timeout = ' ~ milliseconds) %}
{%- endmacro %}


{#- The relation a new version of `target_relation` is built under before the swap. -#}
{% macro sqlite_new_version_of(target_relation) -%}
    {{ return(target_relation.incorporate(path={"identifier": target_relation.identifier ~ "__segments_new"},
                                          type='table')) }}
{%- endmacro %}


{#- Drop what a killed build may have left under the temporary name. Its own statement: the
    leftover holds no data anyone reads. -#}
{% macro sqlite_drop_leftover(new_relation) -%}
    {% do adapter.drop_relation(new_relation) %}
{%- endmacro %}


{#- Inside the open transaction that built `new_relation`: replace `existing_relation` (if any)
    with it. legacy_alter_table: with it off, SQLite's rename checks every view in the schema, and a
    view reading the table just dropped would fail the rename. -#}
{% macro sqlite_swap_in(new_relation, target_relation, existing_relation) -%}
    {% if existing_relation is not none %}
        {% do adapter.drop_relation(existing_relation) %}
    {% endif %}
    {% do adapter.execute('pragma legacy_alter_table = on') %}
    {% do adapter.rename_relation(new_relation, target_relation) %}
    {% do adapter.execute('pragma legacy_alter_table = off') %}
{%- endmacro %}


{#- Build `sql` into a new table and swap it in for `target_relation`, in one transaction that the
    caller commits: dbt's `statement('main')` opens it (BEGIN), and every step after it runs in it.
    The first statement writes, so the transaction takes SQLite's write lock at once, waiting for
    another writer rather than failing on a lock upgrade later. -#}
{% macro sqlite_build_and_swap(target_relation, existing_relation, sql) -%}
    {%- set new_relation = sqlite_new_version_of(target_relation) -%}
    {% do sqlite_drop_leftover(new_relation) %}
    {% call statement('main') -%}
        {{ create_table_as(False, new_relation, sql) }}
    {%- endcall %}
    {% do sqlite_swap_in(new_relation, target_relation, existing_relation) %}
{%- endmacro %}


{% materialization table, adapter='sqlite' %}
    {%- set existing_relation = load_cached_relation(this) -%}
    {%- set target_relation = this.incorporate(type='table') -%}
    {% do sqlite_wait_for_other_writers() %}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}

    {% do sqlite_build_and_swap(target_relation, existing_relation, sql) %}
    {% do create_indexes(target_relation) %}

    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {% do persist_docs(target_relation, model) %}
    {% do adapter.commit() %}
    {{ run_hooks(post_hooks, inside_transaction=False) }}

    {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}


{#- dbt-sqlite's incremental materialization with its first build and --full-refresh made atomic.
    An incremental run is already one transaction (create the batch, delete the keys it replaces,
    insert it); the batch is built in the target's schema rather than in `temp`, so that the
    transaction's first statement writes the warehouse file and takes its write lock at once. -#}
{% materialization incremental, adapter='sqlite' -%}
    {%- set unique_key = config.get('unique_key') -%}
    {%- set target_relation = this.incorporate(type='table') -%}
    {%- set existing_relation = load_cached_relation(this) -%}
    {% do sqlite_wait_for_other_writers() %}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}

    {% if existing_relation is none or existing_relation.is_view or should_full_refresh() %}
        {% do sqlite_build_and_swap(target_relation, existing_relation, sql) %}
    {% else %}
        {%- set batch_relation = target_relation.incorporate(
                path={"identifier": target_relation.identifier ~ "__segments_batch"}) -%}
        {% do sqlite_drop_leftover(batch_relation) %}
        {% call statement('create_batch') -%}
            {{ create_table_as(False, batch_relation, sql) }}
        {%- endcall %}
        {% do adapter.expand_target_column_types(from_relation=batch_relation, to_relation=target_relation) %}
        {% call statement('main') -%}
            {{ sqlite_incremental_upsert(batch_relation, target_relation, unique_key=unique_key) }}
        {%- endcall %}
        {% do adapter.drop_relation(batch_relation) %}
    {% endif %}
    {#- Also after an incremental run: an index added to the config since is created then. #}
    {% do create_indexes(target_relation) %}

    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {% do persist_docs(target_relation, model) %}
    {% do adapter.commit() %}
    {{ run_hooks(post_hooks, inside_transaction=False) }}

    {{ return({'relations': [target_relation]}) }}
{%- endmaterialization %}
