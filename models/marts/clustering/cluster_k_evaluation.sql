-- How well k clusters fit, for k = 2..8, so that an analyst can choose var cluster_k: K-means
-- fitted on customer_features_sample for each k (the same initialisation and vars as
-- customer_cluster_centroids), its inertia and its mean silhouette on that sample.
{%- set features = customer_cluster_features() %}
{%- set d = features | length %}
{%- set ks = range(2, 9) | list %}

with

sample as (

    select * from {{ ref('customer_features_sample') }}

),
{%- for k in ks %}
{%- set fit = fit_customer_clusters(features, k, relation=ref('customer_features_sample')) %}

centroids_{{ k }} as (

    {{ kmeans_centroid_rows(fit, features) | indent(4) }}

),

labelled_{{ k }} as (

    {{ kmeans_assignment_sql(
        kmeans_points_sql('sample', 'customer_id', features),
        kmeans_centroid_row('centroids_' ~ k, features, k),
        k,
        d,
    ) | indent(4) }}

),

-- Each customer's distance to every other customer of the sample, summed per cluster of the other.
distances_{{ k }} as (

    select
        customer.point_id,
        customer.cluster_id,
        other.cluster_id as other_cluster_id,
        sum(sqrt(
            {%- for i in range(1, d + 1) %}
            (customer.x{{ i }} - other.x{{ i }}) * (customer.x{{ i }} - other.x{{ i }})
            {{- " +" if not loop.last }}
            {%- endfor %}
        )) as distance_sum,
        count(*) as other_customers

    from labelled_{{ k }} as customer

    inner join labelled_{{ k }} as other
        on customer.point_id <> other.point_id

    group by customer.point_id, customer.cluster_id, other.cluster_id

),

fit_{{ k }} as (

    select
        {{ k }} as k,
        max(iterations) as iterations,
        max(converged_at_iteration) as converged_at_iteration

    from centroids_{{ k }}

),

inertia_{{ k }} as (

    select
        {{ k }} as k,
        count(*) as customers_sampled,
        sum(
            {%- for feature in features %}
            (labelled_{{ k }}.x{{ loop.index }} - centroids_{{ k }}.{{ feature }})
            * (labelled_{{ k }}.x{{ loop.index }} - centroids_{{ k }}.{{ feature }})
            {{- " +" if not loop.last }}
            {%- endfor %}
        ) as inertia

    from labelled_{{ k }}

    inner join centroids_{{ k }}
        on labelled_{{ k }}.cluster_id = centroids_{{ k }}.cluster_id

),
{%- endfor %}

distances as (
    {%- for k in ks %}

    select {{ k }} as k, distances_{{ k }}.* from distances_{{ k }}
    {{- "\n\n    union all" if not loop.last }}
    {%- endfor %}

),

-- Silhouette of a customer: a = mean distance to the others of its cluster, b = the lowest mean
-- distance to another cluster's customers, s = (b - a) / max(a, b); 0 alone in a cluster.
silhouettes as (

    select
        k,
        point_id,
        case
            when max(case when other_cluster_id = cluster_id then other_customers end) is null then 0
            else (
                min(case when other_cluster_id <> cluster_id then distance_sum / other_customers end)
                - max(case when other_cluster_id = cluster_id then distance_sum / other_customers end)
            ) / {{ greatest_of([
                'min(case when other_cluster_id <> cluster_id then distance_sum / other_customers end)',
                'max(case when other_cluster_id = cluster_id then distance_sum / other_customers end)',
            ]) }}
        end as silhouette

    from distances

    group by k, point_id

),

fits as (
    {%- for k in ks %}

    select
        fit_{{ k }}.k,
        inertia_{{ k }}.customers_sampled,
        inertia_{{ k }}.inertia,
        fit_{{ k }}.iterations,
        fit_{{ k }}.converged_at_iteration

    from fit_{{ k }}

    cross join inertia_{{ k }}
    {{- "\n\n    union all" if not loop.last }}
    {%- endfor %}

),

final as (

    select
        cast(fits.k as {{ dbt.type_bigint() }}) as k,
        cast(fits.customers_sampled as {{ dbt.type_bigint() }}) as customers_sampled,
        cast(fits.inertia as {{ type_double() }}) as inertia,
        cast(avg(silhouettes.silhouette) as {{ type_double() }}) as silhouette,
        cast(fits.iterations as {{ dbt.type_bigint() }}) as iterations,
        cast(fits.converged_at_iteration as {{ dbt.type_bigint() }}) as converged_at_iteration

    from fits

    left join silhouettes
        on fits.k = silhouettes.k

    group by fits.k, fits.customers_sampled, fits.inertia, fits.iterations, fits.converged_at_iteration

)

select * from final
