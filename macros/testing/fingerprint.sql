{#- A fingerprint of every mart, printed as one JSON line ("FINGERPRINT {...}") for comparing
    engines: `dbt run-operation print_mart_fingerprints --target <engine>`.

    Per mart: the row count and, per column, by kind of column:
    - whole numbers: the sum;
    - other numbers (money, shares, scaled features): the sum rounded to 6 places, as an integer
      of millionths ({"millionths": n}; money to the cent and beyond). Rounding absorbs most float
      noise, but a sum that lands next to a half-millionth can round either way, so comparisons
      allow one millionth;
    - text, dates and timestamps (compared as ISO text): the number of distinct values, their
      total length, the smallest and largest, and for a label column (at most 12 distinct
      values: segments, cluster and RFM labels) the count of rows per value.
    Plus the top-5 products by revenue. Floats are never compared raw: engines sum in different
    orders, so only the last bits may differ. -#}
{% macro print_mart_fingerprints() -%}
    {%- set fingerprint = {} -%}
    {%- set models = graph.nodes.values() | selectattr('resource_type', 'equalto', 'model') -%}
    {%- for node in models | sort(attribute='name') if 'marts' in node.fqn -%}
        {%- set relation = adapter.get_relation(node.database, node.schema, node.alias) -%}
        {%- if relation is none -%}
            {{ exceptions.raise_compiler_error("mart " ~ node.name ~ " has not been built") }}
        {%- endif -%}
        {%- do fingerprint.update({node.name: mart_fingerprint(relation)}) -%}
    {%- endfor -%}
    {%- set top_products = run_query(
        'select product_id from ' ~ ref('product_revenue')
        ~ ' where revenue_rank <= 5 order by revenue_rank, product_id'
    ) -%}
    {%- do fingerprint.update({'top_5_products': top_products.columns[0].values() | map('int') | list}) -%}
    {{ print('FINGERPRINT ' ~ tojson(fingerprint, sort_keys=true)) }}
{%- endmacro %}


{% macro mart_fingerprint(relation) -%}
    {#- One query of every column's measures; `specs` remembers, per column, its kind and (for
        text) the expression the per-value counts group by. -#}
    {%- set measures = ['count(*)'] -%}
    {%- set specs = [] -%}
    {%- for column in adapter.get_columns_in_relation(relation) -%}
        {%- set kind = fingerprint_kind(column.dtype) -%}
        {%- set name = adapter.quote(column.name) -%}
        {%- if kind == 'whole' -%}
            {%- do measures.append('sum(' ~ name ~ ')') -%}
            {%- do specs.append((column.name | lower, kind, none)) -%}
        {%- elif kind == 'number' -%}
            {%- do measures.append(
                'cast(round(sum(' ~ name ~ ') * 1000000) as ' ~ dbt.type_bigint() ~ ')'
            ) -%}
            {%- do specs.append((column.name | lower, kind, none)) -%}
        {%- else -%}
            {%- set text = 'cast(' ~ name ~ ' as ' ~ dbt.type_string() ~ ')' -%}
            {%- do measures.append('count(distinct ' ~ text ~ ')') -%}
            {%- do measures.append('sum(length(' ~ text ~ '))') -%}
            {%- do measures.append('min(' ~ text ~ ')') -%}
            {%- do measures.append('max(' ~ text ~ ')') -%}
            {%- do specs.append((column.name | lower, kind, text)) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set row = run_query('select ' ~ measures | join(', ') ~ ' from ' ~ relation).rows[0] -%}
    {%- set result = {'rows': row[0] | int} -%}
    {%- set position = namespace(value=1) -%}
    {%- for name, kind, text in specs -%}
        {%- if text is none -%}
            {%- set value = none if row[position.value] is none else row[position.value] | int -%}
            {%- do result.update({name: {'millionths': value} if kind == 'number' else value}) -%}
            {%- set position.value = position.value + 1 -%}
        {%- else -%}
            {%- set summary = {
                'distinct': row[position.value] | int,
                'length': none if row[position.value + 1] is none else row[position.value + 1] | int,
                'min': row[position.value + 2],
                'max': row[position.value + 3],
            } -%}
            {%- if summary['distinct'] <= 12 -%}
                {%- set counts = run_query(
                    'select ' ~ text ~ ', count(*) from ' ~ relation ~ ' group by ' ~ text ~ ' order by 1'
                ) -%}
                {%- set per_value = {} -%}
                {%- for count_row in counts.rows -%}
                    {%- do per_value.update({(count_row[0] | string): count_row[1] | int}) -%}
                {%- endfor -%}
                {%- do summary.update({'counts': per_value}) -%}
            {%- endif -%}
            {%- do result.update({name: summary}) -%}
            {%- set position.value = position.value + 4 -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(result) }}
{%- endmacro %}


{#- How a column is fingerprinted, from its warehouse type: 'whole', 'number' or 'text'. A SQLite
    expression column may have no declared type: it holds numbers here. -#}
{% macro fingerprint_kind(dtype) -%}
    {%- set dtype = dtype | lower -%}
    {%- if 'int' in dtype and 'interval' not in dtype -%}
        {{ return('whole') }}
    {%- elif dtype == ''
        or dtype in ('num', 'real', 'double', 'double precision', 'float', 'float4', 'float8')
        or dtype.startswith('numeric') or dtype.startswith('decimal') -%}
        {{ return('number') }}
    {%- else -%}
        {{ return('text') }}
    {%- endif -%}
{%- endmacro %}
