-- The K-means fit behind customer_clusters: one row per cluster with its final and initial
-- centroid; the iterations run while this model compiles (macros/clustering/kmeans.sql).
{%- set features = customer_cluster_features() %}
{%- set fit = fit_customer_clusters(features, var('cluster_k')) %}

with

centroids as (

    {{ kmeans_centroid_rows(fit, features) | indent(4) }}

),

final as (

    select
        {{ kmeans_centroid_columns(features) | indent(8) }}

    from centroids

)

select * from final
