{#- How the warehouse computes a CTE: once and kept (materialized_cte), and not merged into the
    query that reads it (optimization_fence). K-means (macros/clustering/kmeans.sql) uses both. -#}

{#- The CTE hint that makes the warehouse compute a CTE once and keep it (PostgreSQL, SQLite and
    DuckDB spell it MATERIALIZED); empty where there is no such hint. -#}
{% macro materialized_cte() -%}
    {{ return(adapter.dispatch('materialized_cte', 'segments')()) }}
{%- endmacro %}

{% macro default__materialized_cte() -%}
{%- endmacro %}

{% macro sqlite__materialized_cte() -%}
    materialized
{%- endmacro %}

{% macro postgres__materialized_cte() -%}
    materialized
{%- endmacro %}

{% macro duckdb__materialized_cte() -%}
    materialized
{%- endmacro %}


{#- Keeps the warehouse from merging a CTE into the query that reads it (and so computing its
    columns once per use): OFFSET 0 is the documented fence in SQLite and PostgreSQL. Engines that
    eliminate common subexpressions themselves need none. -#}
{% macro optimization_fence() -%}
    {{ return(adapter.dispatch('optimization_fence', 'segments')()) }}
{%- endmacro %}

{% macro default__optimization_fence() -%}
{%- endmacro %}

{% macro sqlite__optimization_fence() -%}
    limit -1 offset 0
{%- endmacro %}

{% macro postgres__optimization_fence() -%}
    offset 0
{%- endmacro %}
