{#- Measures shared by several marts, each defined once (docs/glossary.md). -#}


{#- average_order_value in whole cents: the total over the number of orders, rounded to the cent;
    `no_orders` (SQL, e.g. '0') where there are no orders, NULL if not given. -#}
{% macro average_order_value_cents(total_sales_cents, number_of_orders, no_orders=none) -%}
    {%- set cents = to_cents(total_sales_cents ~ ' / 100.0 / nullif(' ~ number_of_orders ~ ', 0)') -%}
    {{ return(cents if no_orders is none else 'coalesce(' ~ cents ~ ', ' ~ no_orders ~ ')') }}
{%- endmacro %}
