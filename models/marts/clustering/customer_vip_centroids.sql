-- The K-means fit behind customer_vip: one row per cluster with its final and initial
-- centroid; the iterations run while this model compiles (macros/clustering/kmeans.sql).
{%- set features = vip_cluster_features() %}
{%- set fit = fit_customer_clusters(features, 2) %}

with

centroids as (

    {{ kmeans_centroid_rows(fit, features) | indent(4) }}

),

final as (

    select
        cast(cluster_id as {{ dbt.type_bigint() }}) as cluster_id,
        {%- for prefix in ['', 'initial_'] %}
        {%- for feature in features %}
        cast({{ prefix ~ feature }} as {{ type_double() }}) as {{ prefix ~ feature }},
        {%- endfor %}
        {%- endfor %}
        cast(iterations as {{ dbt.type_bigint() }}) as iterations,
        cast(converged_at_iteration as {{ dbt.type_bigint() }}) as converged_at_iteration

    from centroids

)

select * from final
