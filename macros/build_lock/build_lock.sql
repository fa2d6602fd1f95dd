{#- One build at a time per warehouse (docs/reliability.md, "One build at a time"). Two `dbt build`s
    on one warehouse would run interleaved, and the second would fail later on some unrelated node
    without a word about the first. So every command that writes the warehouse (build_lock_commands)
    takes a lock in on-run-start, before anything else, and gives it back in on-run-end, after
    everything else. A second such command stops at once, before any node runs, with one line naming
    the build that holds the lock and what to do if that build is no longer running.

    The lock is the one row of the table `build_lock` in the target schema, its key `lock_name`
    ('build') a primary key: the insert that takes it (`on conflict do nothing`) succeeds for one
    build only, in a write transaction committed at once, and the build then reads the row back to
    see whether it is its own.

    Not waiting: dbt's Jinja cannot sleep, and SQLite's busy_timeout waits for its write lock only,
    which a build gives back after every model. Stopping at once says what is going on instead.

    A build that never ran its on-run-end leaves its lock behind: dbt runs on-run-end after a
    failed model or test, but not after Ctrl-C (SIGINT: dbt stops at the node it is in and skips
    on-run-end), SIGTERM, SIGKILL, a closed terminal or a crash. dbt's Jinja cannot tell whether
    that build's process still runs (no process id, no heartbeat between nodes), so such a stale
    lock is released
    - by hand: `dbt run-operation release_build_lock` (the line that refuses a build says so);
    - by itself when the build that holds it has recorded its end in `build_runs`
      (macros/build_status/): its on-run-end ran but stopped before the release (a failed
      on-run-end hook skips the hooks after it);
    - by itself when it is older than the var `build_lock_expiry_hours` (default 6; 0 = never),
      with a line saying so: a nightly job heals itself the next night. A build running longer
      than that could be joined by another: raise the var for such builds.

    Spark: nothing (its Parquet tables allow no delete, and its session warehouse is one process's
    anyway). -#}


{#- The commands that write the warehouse, and so take the lock. Not run-operation, test, show,
    compile, docs generate or parse: they write no mart (and the release is a run-operation). -#}
{% macro build_lock_commands() -%}
    {{ return(['build', 'run', 'retry', 'seed', 'snapshot']) }}
{%- endmacro %}


{% macro build_lock_relation() -%}
    {{ return(api.Relation.create(database=target.database, schema=target.schema,
                                  identifier='build_lock', type='table')) }}
{%- endmacro %}


{#- The rows of a query, read in a transaction of its own and ended at once: on SQLite an open
    read keeps other builds from committing, on PostgreSQL it would stay idle in transaction. -#}
{% macro build_lock_query(sql) -%}
    {% call statement('build_lock', fetch_result=true, auto_begin=true) -%}
        {{ sql }}
    {%- endcall %}
    {%- set rows = load_result('build_lock')['data'] -%}
    {% do adapter.commit() %}
    {{ return(rows) }}
{%- endmacro %}


{#- The lock's row, or none: (invocation_id, command, started_at). -#}
{% macro build_lock_holder() -%}
    {%- set rows = build_lock_query(
        'select invocation_id, command, started_at from ' ~ build_lock_relation()
        ~ " where lock_name = 'build'"
    ) -%}
    {{ return(rows[0] if rows | length > 0 else none) }}
{%- endmacro %}


{#- The one line that refuses a build. -#}
{% macro build_lock_held_message(holder) -%}
    {{ return(
        'another build is running on this warehouse (' ~ target.type ~ ' ' ~ target.schema ~ '): dbt '
        ~ holder[1] ~ ' since ' ~ holder[2] ~ ' UTC, invocation ' ~ holder[0]
        ~ '. Wait for it to finish; if it is no longer running (stopped with Ctrl-C, killed, crashed),'
        ~ ' release its lock with `dbt run-operation release_build_lock` and run this again.'
    ) }}
{%- endmacro %}


{#- A SQL condition true for a stale lock row: older than build_lock_expiry_hours, or its build
    has recorded its end in build_runs (so its on-run-end ran, only not up to the release). -#}
{% macro build_lock_stale_condition() -%}
    {%- set conditions = [] -%}
    {%- set hours = var('build_lock_expiry_hours', 6) | float -%}
    {%- if hours > 0 -%}
        {%- set cutoff = modules.datetime.datetime.utcnow() - modules.datetime.timedelta(hours=hours) -%}
        {%- set cutoff_text = cutoff.strftime('%Y-%m-%d %H:%M:%S') -%}
        {%- do conditions.append('started_at < ' ~ build_status_literal(cutoff_text)) -%}
    {%- endif -%}
    {%- set build_runs = adapter.get_relation(target.database, target.schema, 'build_runs') -%}
    {%- if build_runs is not none -%}
        {%- do conditions.append('invocation_id in (select invocation_id from ' ~ build_runs
            ~ ' where finished_at is not null)') -%}
    {%- endif -%}
    {{ return('(' ~ (conditions | join(' or ') or '1 = 0') ~ ')') }}
{%- endmacro %}


{#- on-run-start, first hook: take the lock or stop the build with one line. -#}
{% macro acquire_build_lock() -%}
    {{ return(adapter.dispatch('acquire_build_lock', 'segments')()) }}
{%- endmacro %}

{% macro default__acquire_build_lock() -%}
    {%- if execute and flags.WHICH in build_lock_commands() -%}
        {%- set relation = build_lock_relation() -%}
        {%- set exists = adapter.get_relation(
            relation.database, relation.schema, relation.identifier) is not none -%}
        {%- set stale = build_lock_stale_condition() -%}
        {#- First a read, which waits for no writer: a build that holds the lock is refused at
            once, even while it holds SQLite's write lock in a long model. -#}
        {%- if exists -%}
            {%- set holder = build_lock_holder() -%}
            {%- if holder is not none and holder[0] != invocation_id -%}
                {%- set expired = build_lock_query(
                    'select count(*) from ' ~ relation ~ " where lock_name = 'build' and " ~ stale
                )[0][0] > 0 -%}
                {%- if not expired -%}
                    {{ exceptions.raise_compiler_error(build_lock_held_message(holder)) }}
                {%- endif -%}
                {{ log('taking over the stale build lock of dbt ' ~ holder[1] ~ ' since ' ~ holder[2]
                       ~ ' UTC, invocation ' ~ holder[0] ~ ' (it has finished, or is older than '
                       ~ 'build_lock_expiry_hours)', info=true) }}
            {%- endif -%}
        {%- endif -%}
        {#- Free or stale: one write transaction drops a stale row and inserts ours, which only one
            of two racing builds gets (the primary key); committed at once so others see it. -#}
        {%- if not exists -%}
            {% do build_status_execute(
                'create table if not exists ' ~ relation ~ ' (lock_name ' ~ dbt.type_string()
                ~ ' primary key, invocation_id ' ~ dbt.type_string() ~ ', command ' ~ dbt.type_string()
                ~ ', started_at ' ~ dbt.type_string() ~ ')'
            ) %}
            {#- Into dbt's relation cache, read at the start: the release would not find it. -#}
            {% do adapter.cache_added(relation) %}
        {%- endif -%}
        {% do build_status_execute(
            'delete from ' ~ relation ~ " where lock_name = 'build' and " ~ stale
        ) %}
        {% do build_status_execute(
            'insert into ' ~ relation ~ ' (lock_name, invocation_id, command, started_at) values ('
            ~ "'build', " ~ build_status_literal(invocation_id) ~ ', ' ~ build_status_literal(flags.WHICH)
            ~ ', ' ~ build_status_literal(build_status_now()) ~ ') on conflict (lock_name) do nothing'
        ) %}
        {% do adapter.commit() %}
        {%- set holder = build_lock_holder() -%}
        {%- if holder is none or holder[0] != invocation_id -%}
            {{ exceptions.raise_compiler_error(build_lock_held_message(holder or ['?', '?', '?'])) }}
        {%- endif -%}
    {%- endif -%}
    select 1
{%- endmacro %}

{#- SQLite: wait for another build's write lock (held while it builds one model), as every model
    does (sqlite_swap.sql). -#}
{% macro sqlite__acquire_build_lock() -%}
    {%- if execute and flags.WHICH in build_lock_commands() -%}
        {% do sqlite_wait_for_other_writers() %}
    {%- endif -%}
    {{ return(default__acquire_build_lock()) }}
{%- endmacro %}

{% macro spark__acquire_build_lock() -%}
    select 1
{%- endmacro %}


{#- on-run-end, last hook: give back this build's lock (never another's). As
    `dbt run-operation release_build_lock`: release whichever build holds it, for a stale lock. -#}
{% macro release_build_lock() -%}
    {{ return(adapter.dispatch('release_build_lock', 'segments')()) }}
{%- endmacro %}

{% macro default__release_build_lock() -%}
    {%- set by_hand = flags.WHICH == 'run-operation' -%}
    {%- if execute and (by_hand or flags.WHICH in build_lock_commands()) -%}
        {%- set relation = build_lock_relation() -%}
        {#- A build's own lock: the table exists, its first on-run-start hook made sure of it. -#}
        {%- if by_hand and adapter.get_relation(
                relation.database, relation.schema, relation.identifier) is none -%}
            {{ log('no build lock to release (no table ' ~ relation ~ ')', info=true) }}
        {%- elif by_hand -%}
            {%- set holder = build_lock_holder() -%}
            {% do build_status_execute('delete from ' ~ relation ~ " where lock_name = 'build'") %}
            {% do adapter.commit() %}
            {%- if holder is none -%}
                {{ log('no build lock to release: no build holds it', info=true) }}
            {%- else -%}
                {{ log('released the build lock of dbt ' ~ holder[1] ~ ' since ' ~ holder[2]
                       ~ ' UTC, invocation ' ~ holder[0], info=true) }}
            {%- endif -%}
        {%- else -%}
            {% do build_status_execute(
                'delete from ' ~ relation ~ " where lock_name = 'build' and invocation_id = "
                ~ build_status_literal(invocation_id)
            ) %}
            {% do adapter.commit() %}
        {%- endif -%}
    {%- endif -%}
    select 1
{%- endmacro %}

{% macro sqlite__release_build_lock() -%}
    {%- if execute -%}
        {% do sqlite_wait_for_other_writers() %}
    {%- endif -%}
    {{ return(default__release_build_lock()) }}
{%- endmacro %}

{% macro spark__release_build_lock() -%}
    {%- if execute and flags.WHICH == 'run-operation' -%}
        {{ log('no build lock on Spark: nothing to release', info=true) }}
    {%- endif -%}
    select 1
{%- endmacro %}
