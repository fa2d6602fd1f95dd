{#- Functions some warehouses lack, created by on-run-start (dbt_project.yml) in the target schema
    before any model runs. Nothing on most engines. -#}
{% macro create_warehouse_functions() -%}
    {{ return(adapter.dispatch('create_warehouse_functions', 'segments')()) }}
{%- endmacro %}

{% macro default__create_warehouse_functions() -%}
    select 1
{%- endmacro %}

{#- try_cast_date / try_cast_timestamp: the cast, or NULL where PostgreSQL would raise an error. -#}
{% macro postgres__create_warehouse_functions() -%}
    create schema if not exists {{ target.schema }};
    {%- for type_name in ['date', 'timestamp'] %}
    create or replace function {{ target.schema }}.try_cast_{{ type_name }}(value text)
    returns {{ type_name }} language plpgsql immutable as $$
    begin
        return cast(value as {{ type_name }});
    exception when others then
        return null;
    end;
    $$;
    {%- endfor %}
{%- endmacro %}
