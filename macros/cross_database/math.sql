{#- A share in [0, 1], rounded to four places; 0 when the whole is empty. -#}

{% macro share_of(part, whole) -%}
    {{ return(adapter.dispatch('share_of', 'segments')(part, whole)) }}
{%- endmacro %}

{#- Postgres has no round(double precision, int): go through numeric. -#}
{% macro default__share_of(part, whole) -%}
    cast(coalesce(round(cast({{ part }} as numeric(38, 10)) / nullif({{ whole }}, 0), 4), 0) as numeric(9, 4))
{%- endmacro %}

{% macro sqlite__share_of(part, whole) -%}
    cast(coalesce(round(cast({{ part }} as real) / nullif({{ whole }}, 0), 4), 0) as real)
{%- endmacro %}


{#- Min-max scaling to [0, 1] over the whole relation, as scikit-learn's MinMaxScaler does;
    a constant column scales to 0. Window functions only: any warehouse runs it. -#}
{% macro min_max_scaled(column) -%}
    {#- As a float first: integer columns would divide with truncation. -#}
    {%- set column = 'cast(' ~ column ~ ' as ' ~ type_double() ~ ')' -%}
    cast(
        coalesce(
            ({{ column }} - min({{ column }}) over ())
            / nullif(max({{ column }}) over () - min({{ column }}) over (), 0),
            0
        ) as {{ type_double() }}
    )
{%- endmacro %}


{#- The column type for 64-bit floating point: dbt's type_float is 32-bit on DuckDB and Spark. -#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'segments')()) }}
{%- endmacro %}

{% macro default__type_double() -%}
    double precision
{%- endmacro %}

{% macro sqlite__type_double() -%}
    real
{%- endmacro %}

{% macro spark__type_double() -%}
    double
{%- endmacro %}


{#- The smallest of several expressions (NULL if any is NULL). Dispatched. -#}
{% macro least_of(expressions) -%}
    {{ return(adapter.dispatch('least_of', 'segments')(expressions)) }}
{%- endmacro %}

{% macro default__least_of(expressions) -%}
    least({{ expressions | join(', ') }})
{%- endmacro %}

{#- SQLite's min() with several arguments is the scalar minimum. -#}
{% macro sqlite__least_of(expressions) -%}
    min({{ expressions | join(', ') }})
{%- endmacro %}


{#- The largest of several expressions (NULL if any is NULL). Dispatched. -#}
{% macro greatest_of(expressions) -%}
    {{ return(adapter.dispatch('greatest_of', 'segments')(expressions)) }}
{%- endmacro %}

{% macro default__greatest_of(expressions) -%}
    greatest({{ expressions | join(', ') }})
{%- endmacro %}

{#- SQLite's max() with several arguments is the scalar maximum. -#}
{% macro sqlite__greatest_of(expressions) -%}
    max({{ expressions | join(', ') }})
{%- endmacro %}
