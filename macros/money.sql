{#- Money is summed and compared in integer cents, so 0.10 + 0.20 is exactly 30 cents. -#}

{% macro to_cents(amount) -%}
    {{ return(adapter.dispatch('to_cents', 'segments')(amount)) }}
{%- endmacro %}

{% macro default__to_cents(amount) -%}
    cast(round({{ amount }} * 100) as {{ dbt.type_bigint() }})
{%- endmacro %}

{% macro sqlite__to_cents(amount) -%}
    cast(round({{ amount }} * 100) as integer)
{%- endmacro %}


{% macro cents_to_amount(cents) -%}
    {{ return(adapter.dispatch('cents_to_amount', 'segments')(cents)) }}
{%- endmacro %}

{#- Exact: a decimal with two places (the division alone would widen the scale). -#}
{% macro default__cents_to_amount(cents) -%}
    cast(cast({{ cents }} as numeric(18, 2)) / 100 as numeric(18, 2))
{%- endmacro %}

{#- SQLite has no decimal type: a REAL is the closest value to the exact cents. The outer cast
    gives the column a declared type, which SQLite's expressions otherwise lack. -#}
{% macro sqlite__cents_to_amount(cents) -%}
    cast({{ cents }} / 100.0 as real)
{%- endmacro %}
