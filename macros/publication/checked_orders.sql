{#- Checks of new orders only (README, "Reliability"). Orders only grow, and a build publishes only
    when every check passed; so a check tagged `new_orders_only` need not read again the orders it
    passed in an earlier published build. Its filter keeps the orders after the newest one it
    passed (`orders_checked`, one row per check, written in the publishing transaction); a
    `--full-refresh` build, `dbt test`, and a warehouse without the table check every order. -#}


{% macro orders_checked_relation() -%}
    {{ return(build_status_relation('orders_checked')) }}
{%- endmacro %}


{#- A condition on `order_id`: in a build without --full-refresh, true for the orders this test has
    not passed yet in a published build; otherwise always true. -#}
{% macro order_not_checked_yet(order_id) -%}
    {{ return(adapter.dispatch('order_not_checked_yet', 'segments')(order_id)) }}
{%- endmacro %}

{#- Spark publishes nothing and records no orders_checked: its checks read every order. -#}
{% macro spark__order_not_checked_yet(order_id) -%}
    {{ return('(1 = 1)') }}
{%- endmacro %}

{% macro default__order_not_checked_yet(order_id) -%}
    {%- if execute and flags.WHICH in build_status_commands() and not flags.FULL_REFRESH -%}
        {%- set checked = orders_checked_relation() -%}
        {%- if load_relation(checked) is not none -%}
            {{ return('(' ~ order_id ~ ' > (select max(checked_through) from ' ~ checked
                      ~ ' where check_name = ' ~ build_status_literal(model.name) ~ ')'
                      ~ ' or not exists (select 1 from ' ~ checked
                      ~ ' where check_name = ' ~ build_status_literal(model.name) ~ '))') }}
        {%- endif -%}
    {%- endif -%}
    {{ return('(1 = 1)') }}
{%- endmacro %}


{#- In the publishing transaction: for every check tagged `new_orders_only` that passed in this
    build, the newest order it has now passed (the newest order in stg_orders). -#}
{% macro record_orders_checked(results) -%}
    {{ return(adapter.dispatch('record_orders_checked', 'segments')(results)) }}
{%- endmacro %}

{#- Spark: nothing (its Parquet tables allow no delete); its checks read every order. -#}
{% macro spark__record_orders_checked(results) -%}
{%- endmacro %}

{% macro default__record_orders_checked(results) -%}
    {%- set passed = [] -%}
    {%- for result in results
          if result.status == 'pass' and 'new_orders_only' in result.node.tags -%}
        {%- do passed.append(result.node.name) -%}
    {%- endfor -%}
    {%- set orders = graph.nodes.get('model.' ~ project_name ~ '.stg_orders') -%}
    {%- if passed and orders is not none -%}
        {%- set checked = orders_checked_relation() -%}
        {%- set orders_relation = api.Relation.create(database=orders.database, schema=orders.schema,
                                                      identifier=orders.alias) -%}
        {% call statement('orders_checked_table', auto_begin=true) -%}
            create table if not exists {{ checked }} (
                check_name {{ dbt.type_string() }}, checked_through {{ dbt.type_bigint() }}
            )
        {%- endcall %}
        {% call statement('orders_checked_forget', auto_begin=true) -%}
            delete from {{ checked }} where check_name in (
                {%- for name in passed -%}
                {{ build_status_literal(name) }}{{ ', ' if not loop.last }}
                {%- endfor -%}
            )
        {%- endcall %}
        {% for name in passed %}
            {% call statement('orders_checked_record', auto_begin=true) -%}
                insert into {{ checked }} (check_name, checked_through)
                select {{ build_status_literal(name) }}, max(order_id) from {{ orders_relation }}
            {%- endcall %}
        {% endfor %}
    {%- endif -%}
{%- endmacro %}
