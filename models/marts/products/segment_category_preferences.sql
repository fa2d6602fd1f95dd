-- What each value segment buys: revenue per segment and product category.
with

customer_segments as (

    select * from {{ ref('customer_segments') }}

),

order_lines as (

    select * from {{ ref('int_order_lines') }}

),

segment_lines as (

    select
        customer_segments.customer_segment,
        order_lines.category,
        order_lines.customer_id,
        order_lines.quantity,
        order_lines.revenue_cents

    from order_lines

    inner join customer_segments
        on order_lines.customer_id = customer_segments.customer_id

),

segment_category as (

    select
        customer_segment,
        category,
        count(distinct customer_id) as number_of_customers,
        sum(quantity) as units_sold,
        sum(revenue_cents) as revenue_cents

    from segment_lines

    group by customer_segment, category

),

segment_total as (

    select
        customer_segment,
        sum(revenue_cents) as revenue_cents

    from segment_lines

    group by customer_segment

),

final as (

    select
        cast(segment_category.customer_segment as {{ dbt.type_string() }}) as customer_segment,
        cast(segment_category.category as {{ dbt.type_string() }}) as category,
        cast(segment_category.number_of_customers as {{ dbt.type_bigint() }}) as number_of_customers,
        cast(segment_category.units_sold as {{ dbt.type_bigint() }}) as units_sold,
        {{ cents_to_amount('segment_category.revenue_cents') }} as revenue_amount,
        {{ share_of('segment_category.revenue_cents', 'segment_total.revenue_cents') }}
            as share_of_segment_revenue,
        cast(
            row_number() over (
                partition by segment_category.customer_segment
                order by segment_category.revenue_cents desc, segment_category.category asc
            ) as {{ dbt.type_bigint() }}
        ) as category_rank_in_segment

    from segment_category

    inner join segment_total
        on segment_category.customer_segment = segment_total.customer_segment

)

select * from final
