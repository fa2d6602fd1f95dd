-- Every customer's total lies in the range segment_definitions states for their segment: the
-- report's thresholds and the segment rule (customer_segment) agree. In whole cents.
with

segments as (

    select * from {{ ref('customer_segments') }}

),

definitions as (

    select * from {{ ref('segment_definitions') }}

),

compared as (

    select
        segments.customer_id,
        segments.customer_segment,
        segments.total_sales_amount,
        definitions.segment_rule,
        {{ to_cents('segments.total_sales_amount') }} as total_cents,
        {{ to_cents('definitions.lower_bound_amount') }} as lower_cents,
        {{ to_cents('definitions.upper_bound_amount') }} as upper_cents,
        definitions.segment_rank

    from segments

    left join definitions
        on segments.customer_segment = definitions.customer_segment

),

final as (

    select
        customer_id,
        customer_segment,
        total_sales_amount,
        segment_rule

    from compared

    -- High-Value: above the lower bound; Medium-Value: both bounds included; Low-Value: above
    -- 0.00 and below the upper bound; No-Orders: 0.00 exactly.
    where not coalesce(
        (segment_rank = 1 and total_cents > lower_cents)
        or (segment_rank = 2 and total_cents >= lower_cents and total_cents <= upper_cents)
        or (segment_rank = 3 and total_cents > lower_cents and total_cents < upper_cents)
        or (segment_rank = 4 and total_cents = 0),
        false
    )

)

select * from final
