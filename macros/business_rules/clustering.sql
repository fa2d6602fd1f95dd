{#- The features each clustering of customers uses: columns of customer_features, scaled to
    [0, 1]. The first one orders the quantile initialisation. -#}
{% macro customer_cluster_features() -%}
    {{ return(['total_sales_amount_scaled', 'number_of_orders_scaled',
               'average_order_value_scaled', 'days_since_last_activity_scaled']) }}
{%- endmacro %}


{#- VIP customers, as in the ETL lab: spend, orders and order value, without recency. -#}
{% macro vip_cluster_features() -%}
    {{ return(['total_sales_amount_scaled', 'number_of_orders_scaled', 'average_order_value_scaled']) }}
{%- endmacro %}


{#- A K-means fit of `relation` (customer_features unless given) on `features` with k clusters
    and the kmeans_* vars, each checked here so that a bad value stops compilation naming its var. -#}
{% macro fit_customer_clusters(features, k, relation=none) -%}
    {%- set init = var('kmeans_init') | string | trim -%}
    {%- if init not in ('quantiles', 'kmeans++') -%}
        {{ exceptions.raise_compiler_error(
            "var 'kmeans_init' must be 'quantiles' or 'kmeans++'; got '" ~ init ~ "'") }}
    {%- endif -%}
    {{ return(kmeans_fit(
        relation if relation is not none else ref('customer_features'), 'customer_id', features,
        validated_whole_number("var 'cluster_k'", k, 2, 20),
        init=init,
        max_iterations=validated_whole_number(
            "var 'kmeans_max_iterations'", var('kmeans_max_iterations'), 1, 10000),
        seed=validated_whole_number("var 'kmeans_seed'", var('kmeans_seed'), 0, 2 ** 63),
    )) }}
{%- endmacro %}
