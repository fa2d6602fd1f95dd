-- One row per customer with everything the marts know about them: value segment, demographics
-- (with that optional input), RFM, cluster and VIP flag. The source of the customers_enriched
-- export.
with

customer_segments as (

    select * from {{ ref('customer_segments') }}

),

{% if input_loaded('demographics') %}
demographics as (

    select * from {{ ref('stg_customer_demographics') }}

),
{% endif %}

rfm as (

    select * from {{ ref('customer_rfm') }}

),

clusters as (

    select * from {{ ref('customer_clusters') }}

),

cluster_profiles as (

    select * from {{ ref('customer_cluster_profiles') }}

),

vip as (

    select * from {{ ref('customer_vip') }}

),

-- Each join is to a key of the joined model, so every customer stays exactly once.
final as (

    select
        customer_segments.customer_id,
        customer_segments.customer_name,
        customer_segments.registration_date,
        {% if input_loaded('demographics') -%}
        demographics.gender,
        cast({{ age_in_years('demographics.birth_date', as_of_date()) }} as {{ dbt.type_bigint() }}) as age,
        demographics.country,
        demographics.region,
        demographics.city,
        {%- else -%}
        -- Without the demographics input these are unknown.
        cast(null as {{ dbt.type_string() }}) as gender,
        cast(null as {{ dbt.type_bigint() }}) as age,
        cast(null as {{ dbt.type_string() }}) as country,
        cast(null as {{ dbt.type_string() }}) as region,
        cast(null as {{ dbt.type_string() }}) as city,
        {%- endif %}
        customer_segments.number_of_orders,
        customer_segments.total_sales_amount,
        customer_segments.customer_segment,
        rfm.recency_days,
        rfm.r_score,
        rfm.f_score,
        rfm.m_score,
        rfm.rfm_segment,
        clusters.cluster_id,
        cluster_profiles.cluster_label,
        cast(vip.is_vip as {{ dbt.type_bigint() }}) as is_vip

    from customer_segments

    {% if input_loaded('demographics') -%}
    left join demographics
        on customer_segments.customer_id = demographics.customer_id
    {%- endif %}

    left join rfm
        on customer_segments.customer_id = rfm.customer_id

    left join clusters
        on customer_segments.customer_id = clusters.customer_id

    left join cluster_profiles
        on clusters.cluster_id = cluster_profiles.cluster_id

    left join vip
        on customer_segments.customer_id = vip.customer_id

)

select * from final
