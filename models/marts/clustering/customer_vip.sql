-- VIP classification, as in the ETL lab: K-means with k = 2 on total sales amount, number of
-- orders and average order value (scaled); the VIP cluster is the one whose customers spent
-- more on average. The fit is customer_vip_centroids'.
{%- set features = vip_cluster_features() %}

with

features as (

    select * from {{ ref('customer_features') }}

),

centroids as (

    select * from {{ ref('customer_vip_centroids') }}

),

-- Every customer's nearest final centroid of the k = 2 fit.
clusters as (

    select
        point_id as customer_id,
        cluster_id

    from (
        {{ kmeans_assignment_sql(
            kmeans_points_sql('features', 'customer_id', features),
            kmeans_centroid_row('centroids', features, 2),
            2,
            features | length,
        ) | indent(8) }}
    ) as assigned

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
