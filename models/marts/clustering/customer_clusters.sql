-- Every customer's K-means cluster (k = var cluster_k) on the four scaled purchase features.
{%- set k = validated_whole_number("var 'cluster_k'", var('cluster_k'), 2, 20) %}
{%- set iterations = validated_whole_number("var 'kmeans_iterations'", var('kmeans_iterations'), 1, 200) %}

with

clusters as (

    {{ kmeans(
        ref('customer_features'),
        'customer_id',
        ['total_sales_amount_scaled', 'number_of_orders_scaled',
         'average_order_value_scaled', 'days_since_last_activity_scaled'],
        k,
        iterations,
    ) | indent(4) }}

),

final as (

    select
        cast(customer_id as {{ dbt.type_bigint() }}) as customer_id,
        cast(cluster_id as {{ dbt.type_bigint() }}) as cluster_id,
        cast(converged_at_iteration as {{ dbt.type_bigint() }}) as converged_at_iteration

    from clusters

)

select * from final
