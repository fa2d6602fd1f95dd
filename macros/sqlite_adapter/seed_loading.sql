{#- dbt seed on SQLite, replacing dbt-sqlite's sqlite__load_csv_rows: that one renders a
    placeholder per row in Jinja for batches of 10,000 rows, which is slow and, with more than
    three columns, exceeds SQLite's limit of 32,766 bound variables per statement.

    Here a batch holds as many rows as the limit allows, and its INSERT is rendered once and
    reused: per row only the values are collected. For large data, python -m segments.bulk_load is faster
    still (docs/loading-and-refresh.md, "Loading large data without dbt seed"). -#}
{% macro sqlite__load_csv_rows(model, agate_table) %}
    {%- set column_count = agate_table.column_names | length -%}
    {%- set batch_size = [32766 // column_count, 1] | max -%}
    {%- set cols_sql = get_seed_column_quoted_csv(model, agate_table.column_names) -%}
    {%- set row_placeholders = '(' ~ ([get_binding_char()] * column_count) | join(', ') ~ ')' -%}
    {%- set statements = {} -%}
    {%- set first_sql = [] -%}

    {%- for chunk in agate_table.rows | batch(batch_size) -%}
        {%- set rows_in_chunk = chunk | length -%}
        {%- if rows_in_chunk not in statements -%}
            {%- do statements.update({
                rows_in_chunk: 'insert into ' ~ this.schema ~ '.' ~ this.identifier
                    ~ ' (' ~ cols_sql ~ ') values '
                    ~ ([row_placeholders] * rows_in_chunk) | join(', ')
            }) -%}
        {%- endif -%}
        {%- set bindings = [] -%}
        {%- for row in chunk -%}
            {%- do bindings.extend(adapter.transform_seed_row(row)) -%}
        {%- endfor -%}
        {%- do adapter.add_query(statements[rows_in_chunk], bindings=bindings, abridge_sql_log=True) -%}
        {%- if loop.first -%}
            {%- do first_sql.append(statements[rows_in_chunk]) -%}
        {%- endif -%}
    {%- endfor -%}

    {#- The SQL of the first batch, for the compiled files (empty for a header-only file). -#}
    {{ return(first_sql[0] if first_sql else '') }}
{% endmacro %}


{#- Reloading a seed on SQLite, atomically (docs/reliability.md, "Faults"): dbt drops the old table in a
    statement of its own, committed at once, so a failed or killed load left no table. Here one
    transaction, committed by dbt after the last row, drops the old table, creates the new one and
    fills it: readers and a crash see the old rows or the new ones. -#}
{% macro sqlite__reset_csv_table(model, full_refresh, old_relation, agate_table) %}
    {%- if full_refresh -%}
        {% do sqlite_wait_for_other_writers() %}
        {#- dbt's statement() opens the transaction (BEGIN) that the drop below then runs in. -#}
        {% call statement('begin_seed_reload') -%}
            select 1
        {%- endcall %}
        {% do adapter.drop_relation(old_relation) %}
        {{ return(create_csv_table(model, agate_table)) }}
    {%- endif -%}
    {{ return(default__reset_csv_table(model, full_refresh, old_relation, agate_table)) }}
{% endmacro %}
