{#- A share in [0, 1], rounded to four places; 0 when the whole is empty. -#}

{% macro share_of(part, whole) -%}
    {{ return(adapter.dispatch('share_of', 'segments')(part, whole)) }}
{%- endmacro %}

{#- Postgres has no round(double precision, int): go through numeric. -#}
{% macro default__share_of(part, whole) -%}
    coalesce(round(cast({{ part }} as numeric(38, 10)) / nullif({{ whole }}, 0), 4), 0)
{%- endmacro %}

{% macro sqlite__share_of(part, whole) -%}
    cast(coalesce(round(cast({{ part }} as real) / nullif({{ whole }}, 0), 4), 0) as real)
{%- endmacro %}
