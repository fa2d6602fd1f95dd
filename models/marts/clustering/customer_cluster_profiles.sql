-- One row per K-means cluster: size, mean features (raw and scaled, the scaled means being the
-- final centroid) and a label by mean spend: Cluster A spends most, then B, C, ... (a number after
-- Z). Letters, not words: the four features, not spend alone, make a cluster, and words such as
-- "high" or "low" would read as the value segments.
{%- set letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ' %}
with

clusters as (

    select * from {{ ref('customer_clusters') }}

),

features as (

    select * from {{ ref('customer_features') }}

),

cluster_means as (

    select
        clusters.cluster_id,
        count(*) as number_of_customers,
        avg(features.total_sales_amount) as mean_total_sales_amount,
        avg(features.number_of_orders) as mean_number_of_orders,
        avg(features.average_order_value) as mean_average_order_value,
        avg(features.days_since_last_activity) as mean_days_since_last_activity,
        avg(features.total_sales_amount_scaled) as centroid_total_sales_amount,
        avg(features.number_of_orders_scaled) as centroid_number_of_orders,
        avg(features.average_order_value_scaled) as centroid_average_order_value,
        avg(features.days_since_last_activity_scaled) as centroid_days_since_last_activity

    from clusters

    inner join features
        on clusters.customer_id = features.customer_id

    group by clusters.cluster_id

),

ranked as (

    select
        *,
        row_number() over (order by mean_total_sales_amount desc, cluster_id asc) as spend_rank,
        count(*) over () as number_of_clusters,
        sum(number_of_customers) over () as all_customers

    from cluster_means

),

final as (

    select
        cast(cluster_id as {{ dbt.type_bigint() }}) as cluster_id,
        cast(spend_rank as {{ dbt.type_bigint() }}) as spend_rank,
        cast(
            case spend_rank
                {%- for letter in letters[:var('cluster_k') | int] %}
                when {{ loop.index }} then 'Cluster {{ letter }}'
                {%- endfor %}
                else {{ dbt.concat(["'Cluster '", 'cast(spend_rank as ' ~ dbt.type_string() ~ ')']) }}
            end as {{ dbt.type_string() }}
        ) as cluster_label,
        cast(number_of_customers as {{ dbt.type_bigint() }}) as number_of_customers,
        {{ share_of('number_of_customers', 'all_customers') }} as share_of_customers,
        cast(mean_total_sales_amount as {{ type_double() }}) as mean_total_sales_amount,
        cast(mean_number_of_orders as {{ type_double() }}) as mean_number_of_orders,
        cast(mean_average_order_value as {{ type_double() }}) as mean_average_order_value,
        cast(mean_days_since_last_activity as {{ type_double() }}) as mean_days_since_last_activity,
        cast(centroid_total_sales_amount as {{ type_double() }}) as centroid_total_sales_amount,
        cast(centroid_number_of_orders as {{ type_double() }}) as centroid_number_of_orders,
        cast(centroid_average_order_value as {{ type_double() }}) as centroid_average_order_value,
        cast(centroid_days_since_last_activity as {{ type_double() }}) as centroid_days_since_last_activity

    from ranked

)

select * from final
