{#- The customer segment rule lives here and only here; the doc block `segment_rules`
    (models/marts/segmentation/_segmentation__docs.md) explains it to readers. -#}

{% macro segment_names() -%}
    {{ return(['High-Value', 'Medium-Value', 'Low-Value', 'No-Orders']) }}
{%- endmacro %}


{#- One row per segment (segment_rank, customer_segment), most valuable first: the spine that
    keeps empty segments in per-segment models. -#}
{% macro segment_rows() -%}
    {%- for segment in segment_names() %}
    select
        {{ loop.index }} as segment_rank,
        '{{ segment }}' as customer_segment
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{%- endmacro %}


{#- A threshold var as integer cents, validated at compile time: floats never decide a segment. -#}
{% macro segment_threshold_cents(var_name) -%}
    {%- set text = var(var_name) | string | trim -%}
    {%- if not modules.re.fullmatch('[0-9]+(\.[0-9]{1,2})?', text) -%}
        {{ exceptions.raise_compiler_error(
            "var '" ~ var_name ~ "' must be an amount with at most two decimals, such as 5000 or 999.99; "
            ~ "got '" ~ text ~ "'"
        ) }}
    {%- endif -%}
    {%- set whole, _, fraction = text.partition('.') -%}
    {%- set cents = (whole | int) * 100 + ((fraction ~ '00')[:2] | int) -%}
    {%- if cents <= 0 -%}
        {{ exceptions.raise_compiler_error(
            "var '" ~ var_name ~ "' must be greater than 0; got '" ~ text ~ "'"
        ) }}
    {%- endif -%}
    {{ return(cents) }}
{%- endmacro %}


{#- total_cents: an integer expression, the customer's total already rounded to cents. -#}
{% macro customer_segment(total_cents) -%}
    {%- set high = segment_threshold_cents('high_value_threshold') -%}
    {%- set medium = segment_threshold_cents('medium_value_threshold') -%}
    {%- if medium >= high -%}
        {{ exceptions.raise_compiler_error(
            "var 'medium_value_threshold' (" ~ var('medium_value_threshold') ~ ") must be below "
            ~ "var 'high_value_threshold' (" ~ var('high_value_threshold') ~ ")"
        ) }}
    {%- endif -%}
    {%- set names = segment_names() -%}
    case
        when {{ total_cents }} > {{ high }} then '{{ names[0] }}'
        when {{ total_cents }} >= {{ medium }} then '{{ names[1] }}'
        when {{ total_cents }} > 0 then '{{ names[2] }}'
        else '{{ names[3] }}'
    end
{%- endmacro %}
