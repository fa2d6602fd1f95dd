-- A deterministic sample of customer_features for comparing numbers of clusters
-- (cluster_k_evaluation): at most var kmeans_sample_size customers, evenly spread over the
-- customer_id order; every customer when there are no more.
{%- set sample_size = validated_whole_number(
    "var 'kmeans_sample_size'", var('kmeans_sample_size'), 2, 100000) %}

with

customer_features as (

    select * from {{ ref('customer_features') }}

),

positioned as (

    select
        customer_features.*,
        row_number() over (order by customer_features.customer_id) - 1 as position,
        count(*) over () as number_of_customers

    from customer_features

),

-- The customers in customer_id order fall into sample_size equal runs; the first of each is kept.
bucketed as (

    select
        *,
        floor(
            cast(position as {{ type_double() }}) * {{ sample_size }} / number_of_customers
        ) as bucket,
        floor(
            cast(position - 1 as {{ type_double() }}) * {{ sample_size }} / number_of_customers
        ) as previous_bucket

    from positioned

),

final as (

    select
        {%- for feature in customer_cluster_features() %}
        cast({{ feature }} as {{ type_double() }}) as {{ feature }},
        {%- endfor %}
        cast(customer_id as {{ dbt.type_bigint() }}) as customer_id

    from bucketed

    where position = 0 or bucket <> previous_bucket

)

select * from final
