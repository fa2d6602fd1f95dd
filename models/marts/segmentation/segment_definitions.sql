-- One row per segment, most valuable first: the total_sales_amount range that puts a customer in
-- it, from the threshold vars (the `segment_rules` doc block), and the as-of date the build used.
-- What a reader of the marts needs to know what the segments mean, without dbt_project.yml.
{%- set high = segment_threshold_cents('high_value_threshold') %}
{%- set medium = segment_threshold_cents('medium_value_threshold') %}
{%- set high_text = '%d.%02d' | format(high // 100, high % 100) %}
{%- set medium_text = '%d.%02d' | format(medium // 100, medium % 100) %}

with

segments as (

    {{ segment_rows() }}

),

bounds as (

    select
        segment_rank,
        customer_segment,
        case segment_rank
            when 1 then {{ high }}
            when 2 then {{ medium }}
            else 0
        end as lower_bound_cents,
        case segment_rank
            when 1 then null
            when 2 then {{ high }}
            when 3 then {{ medium }}
            else 0
        end as upper_bound_cents,
        case segment_rank
            when 1 then 'more than {{ high_text }}'
            when 2 then '{{ medium_text }} to {{ high_text }}'
            when 3 then 'more than 0.00 and less than {{ medium_text }}'
            else '0.00 (no orders, or only free ones)'
        end as segment_rule

    from segments

),

final as (

    select
        cast(segment_rank as {{ dbt.type_bigint() }}) as segment_rank,
        cast(customer_segment as {{ dbt.type_string() }}) as customer_segment,
        {{ cents_to_amount('lower_bound_cents') }} as lower_bound_amount,
        {{ cents_to_amount('upper_bound_cents') }} as upper_bound_amount,
        cast(segment_rule as {{ dbt.type_string() }}) as segment_rule,
        cast({{ as_of_date() }} as {{ type_date() }}) as as_of_date

    from bounds

)

select * from final
