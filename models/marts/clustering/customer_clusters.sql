-- Every customer's K-means cluster: the nearest final centroid of customer_cluster_centroids.
{%- set features = customer_cluster_features() %}
{%- set k = validated_whole_number("var 'cluster_k'", var('cluster_k'), 2, 20) %}

with

customer_features as (

    select * from {{ ref('customer_features') }}

),

centroids as (

    select * from {{ ref('customer_cluster_centroids') }}

),

assigned as (

    {{ kmeans_assignment_sql(
        kmeans_points_sql('customer_features', 'customer_id', features),
        kmeans_centroid_row('centroids', features, k),
        k,
        features | length,
    ) | indent(4) }}

),

fit as (

    select max(converged_at_iteration) as converged_at_iteration

    from centroids

),

final as (

    select
        cast(assigned.point_id as {{ dbt.type_bigint() }}) as customer_id,
        cast(assigned.cluster_id as {{ dbt.type_bigint() }}) as cluster_id,
        cast(fit.converged_at_iteration as {{ dbt.type_bigint() }}) as converged_at_iteration

    from assigned

    cross join fit

)

select * from final
