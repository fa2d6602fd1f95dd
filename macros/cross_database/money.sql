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


{#- The type of money in staging. Six decimal places keep a sub-cent amount visible (the whole_cents
    test catches it) and 18 digits fit a 64-bit decimal: dbt's type_numeric is numeric(28, 6) on
    DuckDB, whose 128-bit arithmetic made to_cents the slowest step of customer_segments there.
    SQLite has no decimal type; dbt-sqlite's numeric affinity keeps the values as given. -#}
{% macro type_money() -%}
    {{ return(adapter.dispatch('type_money', 'segments')()) }}
{%- endmacro %}

{% macro default__type_money() -%}
    numeric(18, 6)
{%- endmacro %}

{% macro sqlite__type_money() -%}
    {{ dbt.type_numeric() }}
{%- endmacro %}
