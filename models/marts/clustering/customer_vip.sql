-- VIP classification, as in the ETL lab: K-means with k = 2 on total sales amount, number of
-- orders and average order value (scaled); the VIP cluster is the one whose customers spent
-- more on average.
{%- set iterations = validated_whole_number("var 'kmeans_iterations'", var('kmeans_iterations'), 1, 200) %}

with

features as (

    select * from {{ ref('customer_features') }}

),

clusters as (

    {{ kmeans(
        ref('customer_features'),
        'customer_id',
        ['total_sales_amount_scaled', 'number_of_orders_scaled', 'average_order_value_scaled'],
        2,
        iterations,
    ) | indent(4) }}

),

cluster_spend as (

    select
        clusters.cluster_id,
        avg(features.total_sales_amount) as mean_total_sales_amount

    from clusters

    inner join features
        on clusters.customer_id = features.customer_id

    group by clusters.cluster_id

),

-- The cluster with the higher mean spend; on a tie, the first.
vip_cluster as (

    select cluster_id

    from cluster_spend

    order by mean_total_sales_amount desc, cluster_id asc

    limit 1

),

final as (

    select
        cast(clusters.customer_id as {{ dbt.type_bigint() }}) as customer_id,
        cast(clusters.cluster_id as {{ dbt.type_bigint() }}) as vip_cluster_id,
        cast(
            case when clusters.cluster_id = vip_cluster.cluster_id then 1 else 0 end
            as {{ dbt.type_bigint() }}
        ) as is_vip

    from clusters

    cross join vip_cluster

)

select * from final
