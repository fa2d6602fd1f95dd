{#- The optional inputs (docs/your-data.md): SEGMENTS_INPUTS lists the ones loaded, e.g.
    `demographics,products`, or says `none`; unset means all of them. Models, sources and tests
    turn on in their properties with the same expression, `'<input>' in env_var('SEGMENTS_INPUTS',
    '<input>')` (properties cannot call macros). -#}

{% macro optional_inputs() -%}
    {{ return(['demographics', 'products', 'feedback']) }}
{%- endmacro %}


{% macro input_loaded(name) -%}
    {{ return(name in env_var('SEGMENTS_INPUTS', name)) }}
{%- endmacro %}


{#- The words of SEGMENTS_INPUTS (unset: every optional input), as check_inputs validates them
    and the build status records them. Not lowercased: the properties' `in` is case-sensitive, so
    `Products` would turn nothing on and must be refused as unknown. -#}
{% macro named_inputs() -%}
    {%- set text = env_var('SEGMENTS_INPUTS', optional_inputs() | join(',')) -%}
    {{ return(modules.re.split('[,\\s]+', text.strip()) | reject('equalto', '') | list) }}
{%- endmacro %}


{#- on-run-start: SEGMENTS_INPUTS names only known inputs (feedback with products), the var
    raw_tables only known raw tables, every raw table the selected nodes read exists, and one line
    says which optional inputs are off and so which marts are not built. -#}
{% macro check_inputs() -%}
    {%- set words = named_inputs() -%}
    {%- set unknown = words | reject('in', optional_inputs() + ['none']) | list -%}
    {%- if unknown -%}
        {{ exceptions.raise_compiler_error(
            "SEGMENTS_INPUTS: unknown input(s) " ~ unknown | join(', ') ~ "; use any of "
            ~ optional_inputs() | join(', ') ~ ", or none"
        ) }}
    {%- endif -%}
    {%- if 'feedback' in words and 'products' not in words -%}
        {{ exceptions.raise_compiler_error(
            "SEGMENTS_INPUTS: feedback needs products (feedback is about the products of an order)"
        ) }}
    {%- endif -%}
    {%- set tables = var('raw_tables') -%}
    {%- set raw = ['customers', 'orders', 'products', 'order_items', 'customer_feedback'] -%}
    {%- if tables is not mapping or tables | reject('in', raw) | list -%}
        {{ exceptions.raise_compiler_error(
            "var 'raw_tables' must map raw tables (" ~ raw | join(', ') ~ ") to the names they have "
            ~ "in the warehouse, e.g. {customers: crm_customers}; got " ~ tables
        ) }}
    {%- endif -%}
    {%- if execute and flags.WHICH in ('build', 'run', 'test') -%}
        {#- Only the raw tables that the selected nodes read. -#}
        {%- set read = [] -%}
        {%- for node_id in selected_resources if node_id in graph.nodes -%}
            {%- do read.extend(graph.nodes[node_id].depends_on.nodes) -%}
        {%- endfor -%}
        {%- for table in graph.sources.values()
            if table.package_name == project_name and table.source_name == 'shop'
               and table.unique_id in read -%}
            {%- set input = table.meta.get('input', 'required') -%}
            {%- if input == 'required' or input in words -%}
                {%- set found = adapter.get_relation(table.database, table.schema, table.identifier) -%}
                {%- if found is none -%}
                    {{ exceptions.raise_compiler_error(
                        "raw table " ~ table.schema ~ "." ~ table.identifier ~ " (source shop."
                        ~ table.name ~ ", input " ~ input ~ ") not found: load it first (`dbt seed` for "
                        ~ "the generated CSVs, `python -m segments.bulk_load --data-dir DIR` for yours), or "
                        ~ "leave the input out of SEGMENTS_INPUTS (docs/your-data.md)"
                    ) }}
                {%- endif -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- set off = optional_inputs() | reject('in', words) | list -%}
    {%- if execute and off and flags.WHICH in ('build', 'run') -%}
        {%- set folders = [] -%}
        {%- for name in off if name != 'feedback' -%}
            {%- do folders.append('models/marts/' ~ name ~ '/') -%}
        {%- endfor -%}
        {%- do log(
            "Optional inputs not loaded: " ~ off | join(', ') ~ " (SEGMENTS_INPUTS="
            ~ (words | join(',') or 'none') ~ "): not built: "
            ~ (folders + (['the sentiment of top products'] if 'feedback' in off else [])) | join(', ')
            ~ " (docs/your-data.md)",
            info=true
        ) -%}
    {%- endif -%}
    select 1
{%- endmacro %}
