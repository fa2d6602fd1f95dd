{#- The as-of date, the day the data runs up to, as a SQL date expression.

    By default it is the last order date, `(select max(order_date) from stg_orders)`: a scalar
    subquery, the same SQL on every engine (SQLite compares its ISO-8601 text as dates), computed
    once per query, with nothing to materialise, and the models that call this macro show
    stg_orders as a parent in the lineage. Old data then still has recent customers and a last
    quarter with orders, and a build gives the same result whatever day it runs. An incremental
    refresh builds stg_orders, new orders included, before anything that reads it. With no orders
    at all the date is NULL (the not_empty test on the orders fails first).

    The var `as_of_date` (YYYY-MM-DD; dbt_project.yml reads it from SEGMENTS_AS_OF) overrides the
    default with a literal, checked at compile time: anything but a real date stops compilation.
    Unit tests set it under `overrides: vars:`; one that sets it to '' gives ref('stg_orders')
    rows instead. The ref is taken while dbt parses whether the var is set or not, so the
    dependency does not come and go with the environment. -#}
{% macro as_of_date() -%}
    {%- if not execute -%}
        {%- do ref('stg_orders') -%}
    {%- endif -%}
    {%- set date = date_var('as_of_date') -%}
    {%- if date is none -%}
        {{ return('(select max(order_date) from ' ~ ref('stg_orders') ~ ')') }}
    {%- endif -%}
    {{ return(date) }}
{%- endmacro %}


{#- The date a var holds (YYYY-MM-DD) as a SQL date expression; none when the var is empty. Stops
    compilation unless it is a real date. -#}
{% macro date_var(name) -%}
    {%- set text = var(name, '') | string | trim -%}
    {%- if text in ('', 'none', 'None') -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set parts = modules.re.fullmatch('([0-9]{4})-([0-9]{2})-([0-9]{2})', text) -%}
    {%- set valid = false -%}
    {%- if parts -%}
        {%- set year, month, day = parts.group(1) | int, parts.group(2) | int, parts.group(3) | int -%}
        {%- set leap = (year % 4 == 0 and year % 100 != 0) or year % 400 == 0 -%}
        {%- set month_days = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] -%}
        {%- set valid = 1 <= month <= 12 and 1 <= day <= month_days[month - 1] -%}
    {%- endif -%}
    {%- if not valid -%}
        {{ exceptions.raise_compiler_error(
            "var '" ~ name ~ "' must be a real date as YYYY-MM-DD; got '" ~ text ~ "'"
        ) }}
    {%- endif -%}
    {{ return(to_iso_date("'" ~ text ~ "'")) }}
{%- endmacro %}


{#- The day a backfill snapshot is taken of (var segment_history_date, set by python -m
    segments.history), as a SQL date expression; none in a build or refresh, whose snapshot is of
    customer_segments at the as-of date (snapshots/customer_segment_snapshots.sql). -#}
{% macro segment_history_date() -%}
    {{ return(date_var('segment_history_date')) }}
{%- endmacro %}
