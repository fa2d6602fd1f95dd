{#- Fails for every value of a raw table that its column's format in the input contract (the
    source's properties file: `data_type`, `meta.format`, `meta.json_fields`) does not accept:
    one row per column, problem and offending value, with its count of rows. SQLite's casts never
    fail, so without it `abc` would become customer 0 and `914.55 USD` an amount of 914.55; this
    check on the source covers every loader (dbt seed, bulk_load, a table loaded another way).
    The formats are macros/inputs/value_formats.sql. Only the contract's columns the table has are
    checked (has_contract_columns names the missing ones); NULL passes (not_null reports it).

    dbt prints only "Got N results": so the user sees the values, the check runs once at compile
    time (under `execute`, right before the test runs) and logs one line per column and problem
    naming the table, the column, up to three values and the rows. The test's own query is the
    same check when that run found something, and an empty select otherwise, so a good table is
    read once. -#}

{% test valid_values(model, new_rows_id=none) %}

{%- set checks = [] -%}
{%- set found = [] -%}
{%- if execute -%}
    {%- set sources = graph.sources.values()
        | selectattr('identifier', 'equalto', model.identifier) | list -%}
    {%- if sources | length != 1 -%}
        {{ exceptions.raise_compiler_error(
            "valid_values: expected one source table named " ~ model ~ ", found " ~ sources | length
        ) }}
    {%- endif -%}
    {%- set table = sources[0] -%}
    {%- set stored = {} -%}
    {%- for column in adapter.get_columns_in_relation(model) -%}
        {%- do stored.update({column.name | lower: column}) -%}
    {%- endfor -%}
    {%- for column in table.columns.values() -%}
        {%- set meta = column.meta or {} -%}
        {%- set actual = stored.get(column.name | lower) -%}
        {#- The columns of an optional input left out (demographics) are not read by the marts. -#}
        {%- set wanted = not meta.get('input') or input_loaded(meta.get('input')) -%}
        {%- if actual is not none and meta.get('format') and wanted -%}
            {%- set expression = adapter.quote(actual.name) -%}
            {%- set check = value_check(expression, meta, column.data_type, actual.data_type) -%}
            {%- do checks.append({
                'column': column.name, 'problem': value_problem(meta, column.data_type),
                'value': expression, 'valid': check.valid, 'shown': check.shown
            }) -%}
            {%- for path, spec in (meta.get('json_fields') or {}).items() -%}
                {%- set field = json_field_check(expression, path, spec) -%}
                {%- do checks.append({
                    'column': column.name ~ '.' ~ path, 'problem': value_problem(spec),
                    'value': expression, 'valid': field.valid, 'shown': field.shown
                }) -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endfor -%}
{%- endif -%}

{#- The table is read once, for the rows with any bad value (none, usually); each check then
    reads only those rows. A CTE used more than once is materialized (SQLite, PostgreSQL). -#}
{#- With new_rows_id (a column, or a JSON column and the path of its id field), a build without
    --full-refresh reads only the rows after those the test passed in the last published build
    (macros/publication/checked_rows.sql; recorded for a test tagged new_rows_only). -#}
{%- set new_rows = '(1 = 1)' -%}
{%- if new_rows_id is not none -%}
    {%- set id = adapter.quote(new_rows_id.column) -%}
    {%- if new_rows_id.json_path -%}
        {%- set id = json_field_if_valid(id, new_rows_id.json_path) -%}
    {%- endif -%}
    {%- set new_rows = raw_not_checked_yet(id) -%}
{%- endif -%}
{%- set suspects -%}
    select *
    from {{ model }}
    where {{ new_rows }} and (
    {%- for check in checks %}
        ({{ check.value }} is not null and not coalesce({{ check.valid }}, false))
        {%- if not loop.last %} or{% endif %}
    {%- endfor %}
    )
{%- endset -%}

{%- set checked -%}
    {%- for check in checks %}
    select
        '{{ check.column }}' as column_name,
        '{{ check.problem | replace("'", "''") }}' as problem,
        cast({{ check.shown }} as {{ dbt.type_string() }}) as offending_value
    from suspects
    where {{ check.value }} is not null and not coalesce({{ check.valid }}, false)
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{%- endset -%}

{%- if checks -%}
    {#- Up to three values per column and problem, the most frequent first, with the rows and
        values in all: bounded however many values are bad. -#}
    {%- set sample -%}
        with

        suspects as (
            {{ suspects }}
        ),

        checked as (
            {{ checked }}
        ),

        grouped as (
            select column_name, problem, offending_value, count(*) as row_count
            from checked
            group by column_name, problem, offending_value
        ),

        final as (
            select
                column_name,
                problem,
                offending_value,
                row_count,
                row_number() over (
                    partition by column_name, problem order by row_count desc, offending_value
                ) as value_rank,
                sum(row_count) over (partition by column_name, problem) as total_rows,
                count(*) over (partition by column_name, problem) as distinct_values
            from grouped
        )

        select * from final
        where value_rank <= 3
        order by column_name, problem, value_rank
    {%- endset -%}
    {%- set rows = run_query(sample).rows -%}
    {%- set lines = {} -%}
    {%- for row in rows -%}
        {%- set key = row['column_name'] ~ ': ' ~ row['problem'] -%}
        {%- if key not in lines -%}
            {%- set total = row['total_rows'] | int -%}
            {%- do found.append(key) -%}
            {%- do lines.update({key: {
                'head': 'valid_values: ' ~ table.source_name ~ '.' ~ table.name ~ '.' ~ row['column_name']
                    ~ ': ' ~ total ~ (' row is ' if total == 1 else ' rows are ') ~ row['problem'] ~ ': ',
                'values': [], 'more': row['distinct_values'] | int - 3
            }}) -%}
        {%- endif -%}
        {%- set count = row['row_count'] | int -%}
        {%- set text = row['offending_value'] | string -%}
        {%- set text = (text[:80] ~ '...') if text | length > 80 else text -%}
        {%- do lines[key]['values'].append(
            "'" ~ text | replace('\n', '\\n') | replace('\r', '\\r') ~ "' (" ~ count
            ~ (' row)' if count == 1 else ' rows)')
        ) -%}
    {%- endfor -%}
    {%- for key in found -%}
        {%- set line = lines[key] -%}
        {%- do log(
            line.head ~ line['values'] | join(', ')
            ~ ((' and ' ~ line.more ~ ' more value' ~ ('' if line.more == 1 else 's'))
               if line.more > 0 else ''),
            info=true
        ) -%}
    {%- endfor -%}
{%- endif -%}

with

{% if found -%}
suspects as (

    {{ suspects }}

),

{% endif -%}
checked as (

    {% if found -%}
    {{ checked }}
    {%- else -%}
    select
        '' as column_name,
        '' as problem,
        '' as offending_value
    from {{ model }}
    where 1 = 0
    {%- endif %}

),

final as (

    select
        column_name,
        problem,
        offending_value,
        count(*) as row_count
    from checked
    group by column_name, problem, offending_value

)

select * from final

{% endtest %}


{#- Fails for every date in the column after the as-of date (as_of_date(): the last order's date
    unless the var says otherwise), e.g. a birth date in the future, which would give a negative
    age: one row per value with its count of rows, and one log line as valid_values writes it.
    Values that are no date are valid_values' to report; a table without the column (an
    optional input left out) passes. A test of its own rather than part of valid_values: the
    as-of date reads stg_orders, and valid_values must run, and stop the build, before any
    staging model. -#}

{% test not_after_as_of_date(model, column_name) %}

{%- set as_of = as_of_date() -%}
{%- set present = false -%}
{%- set found = [] -%}
{%- if execute -%}
    {%- set present = column_name | lower in adapter.get_columns_in_relation(model)
        | map(attribute='name') | map('lower') | list -%}
{%- endif -%}

{%- set late -%}
    select
        cast({{ column_name }} as {{ dbt.type_string() }}) as offending_value,
        cast({{ as_of }} as {{ dbt.type_string() }}) as as_of_date
    from {{ model }}
    where {{ to_iso_date(column_name) }} > {{ as_of }}
{%- endset -%}

{%- if present and load_relation(ref('stg_orders')) is not none -%}
    {%- set sample -%}
        with

        late as (
            {{ late }}
        ),

        final as (
            select
                offending_value,
                as_of_date,
                count(*) as row_count,
                sum(count(*)) over () as total_rows
            from late
            group by offending_value, as_of_date
        )

        select * from final
        order by row_count desc, offending_value
        limit 3
    {%- endset -%}
    {%- set rows = run_query(sample).rows -%}
    {%- if rows | length > 0 -%}
        {%- set total = rows[0]['total_rows'] | int -%}
        {%- set values = [] -%}
        {%- for row in rows -%}
            {%- set count = row['row_count'] | int -%}
            {%- do values.append(
                "'" ~ row['offending_value'] ~ "' (" ~ count ~ (' row)' if count == 1 else ' rows)')
            ) -%}
        {%- endfor -%}
        {%- do found.append(total) -%}
        {%- set sources = graph.sources.values()
            | selectattr('identifier', 'equalto', model.identifier) | list -%}
        {%- set table = (sources[0].source_name ~ '.' ~ sources[0].name) if sources else model | string -%}
        {%- do log(
            'not_after_as_of_date: ' ~ table ~ '.' ~ column_name ~ ': ' ~ total
            ~ (' row is' if total == 1 else ' rows are') ~ ' after the as-of date ' ~ rows[0]['as_of_date']
            ~ ': ' ~ values | join(', '),
            info=true
        ) -%}
    {%- endif -%}
{%- endif -%}

with

late as (

    {% if found -%}
    {{ late }}
    {%- else -%}
    select
        '' as offending_value,
        '' as as_of_date
    from {{ model }}
    where 1 = 0
    {%- endif %}

),

final as (

    select
        offending_value,
        as_of_date,
        count(*) as row_count
    from late
    group by offending_value, as_of_date

)

select * from final

{% endtest %}
