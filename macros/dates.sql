{#- Dates are ISO-8601 (YYYY-MM-DD) everywhere downstream of staging. -#}

{% macro to_iso_date(expression) -%}
    {{ return(adapter.dispatch('to_iso_date', 'segments')(expression)) }}
{%- endmacro %}

{% macro default__to_iso_date(expression) -%}
    cast({{ expression }} as date)
{%- endmacro %}

{#- SQLite stores dates as TEXT; date() normalises to YYYY-MM-DD and yields NULL for anything
    unparseable, which the not_null tests then catch. Never cast(x as date): it gives a number;
    cast to text instead, so the column is declared as text. -#}
{% macro sqlite__to_iso_date(expression) -%}
    cast(date({{ expression }}) as text)
{%- endmacro %}
