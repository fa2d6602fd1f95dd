-- Who is in each segment: its size and sales (customer_segment_summary), with age, gender mix,
-- where they live and what they buy.
with

segment_summary as (

    select * from {{ ref('customer_segment_summary') }}

),

customer_segments as (

    select * from {{ ref('customer_segments') }}

),

demographics as (

    select * from {{ ref('stg_customer_demographics') }}

),
{% if input_loaded('products') %}
order_lines as (

    select * from {{ ref('int_order_lines') }}

),
{% endif %}

segment_customers as (

    select
        customer_segments.customer_id,
        customer_segments.customer_segment,
        demographics.gender,
        coalesce(demographics.region, 'Unknown') as region,
        {{ age_in_years('demographics.birth_date', as_of_date()) }} as age_in_years

    from customer_segments

    inner join demographics
        on customer_segments.customer_id = demographics.customer_id

),

segment_mix as (

    select
        customer_segment,
        count(*) as number_of_customers,
        avg(age_in_years) as average_age,
        sum(case when gender = 'Female' then 1 else 0 end) as female_customers,
        sum(case when gender = 'Male' then 1 else 0 end) as male_customers,
        sum(case when gender = 'Non-binary' then 1 else 0 end) as non_binary_customers

    from segment_customers

    group by customer_segment

),

region_ranks as (

    select
        customer_segment,
        region,
        row_number() over (
            partition by customer_segment order by count(*) desc, region asc
        ) as region_rank

    from segment_customers

    group by customer_segment, region

),

{% if input_loaded('products') %}
category_ranks as (

    select
        segment_customers.customer_segment,
        order_lines.category,
        row_number() over (
            partition by segment_customers.customer_segment
            order by sum(order_lines.revenue_cents) desc, order_lines.category asc
        ) as category_rank

    from order_lines

    inner join segment_customers
        on order_lines.customer_id = segment_customers.customer_id

    group by segment_customers.customer_segment, order_lines.category

),
{% endif %}

-- One row per segment: the top three regions and top two categories side by side.
top_regions as (

    select
        customer_segment,
        max(case when region_rank = 1 then region end) as top_region,
        max(case when region_rank = 2 then region end) as second_region,
        max(case when region_rank = 3 then region end) as third_region

    from region_ranks

    group by customer_segment

),

{% if input_loaded('products') %}
top_categories as (

    select
        customer_segment,
        max(case when category_rank = 1 then category end) as favourite_category,
        max(case when category_rank = 2 then category end) as second_favourite_category

    from category_ranks

    group by customer_segment

),
{% endif %}

final as (

    select
        segment_summary.segment_rank,
        segment_summary.customer_segment,
        segment_summary.number_of_customers,
        cast(segment_mix.average_age as {{ type_double() }}) as average_age,
        {{ share_of('segment_mix.female_customers', 'segment_mix.number_of_customers') }}
            as share_female,
        {{ share_of('segment_mix.male_customers', 'segment_mix.number_of_customers') }}
            as share_male,
        {{ share_of('segment_mix.non_binary_customers', 'segment_mix.number_of_customers') }}
            as share_non_binary,
        cast(top_regions.top_region as {{ dbt.type_string() }}) as top_region,
        cast(top_regions.second_region as {{ dbt.type_string() }}) as second_region,
        cast(top_regions.third_region as {{ dbt.type_string() }}) as third_region,
        segment_summary.number_of_orders,
        segment_summary.total_sales_amount,
        segment_summary.average_order_value,
        {% if input_loaded('products') -%}
        cast(top_categories.favourite_category as {{ dbt.type_string() }}) as favourite_category,
        cast(top_categories.second_favourite_category as {{ dbt.type_string() }})
            as second_favourite_category
        {%- else -%}
        -- Without the products input there are no categories.
        cast(null as {{ dbt.type_string() }}) as favourite_category,
        cast(null as {{ dbt.type_string() }}) as second_favourite_category
        {%- endif %}

    from segment_summary

    left join segment_mix
        on segment_summary.customer_segment = segment_mix.customer_segment

    left join top_regions
        on segment_summary.customer_segment = top_regions.customer_segment

    {% if input_loaded('products') -%}
    left join top_categories
        on segment_summary.customer_segment = top_categories.customer_segment
    {%- endif %}

)

select * from final
