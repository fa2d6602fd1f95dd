with

customer_segments as (

    select * from {{ ref('customer_segments') }}

),

-- Every segment, so an empty one still shows with zero customers.
segments as (

    {{ segment_rows() }}

),

segment_totals as (

    select
        customer_segment,
        count(*) as number_of_customers,
        sum(number_of_orders) as number_of_orders,
        sum({{ to_cents('total_sales_amount') }}) as total_sales_cents

    from customer_segments

    group by customer_segment

),

overall as (

    select
        count(*) as number_of_customers,
        sum({{ to_cents('total_sales_amount') }}) as total_sales_cents

    from customer_segments

),

final as (

    select
        cast(segments.segment_rank as {{ dbt.type_bigint() }}) as segment_rank,
        cast(segments.customer_segment as {{ dbt.type_string() }}) as customer_segment,
        cast(
            coalesce(segment_totals.number_of_customers, 0) as {{ dbt.type_bigint() }}
        ) as number_of_customers,
        cast(coalesce(segment_totals.number_of_orders, 0) as {{ dbt.type_bigint() }}) as number_of_orders,
        {{ cents_to_amount('coalesce(segment_totals.total_sales_cents, 0)') }} as total_sales_amount,
        {{ cents_to_amount(average_order_value_cents(
            'segment_totals.total_sales_cents', 'segment_totals.number_of_orders'
        )) }} as average_order_value,
        {{ share_of('coalesce(segment_totals.number_of_customers, 0)', 'overall.number_of_customers') }}
            as share_of_customers,
        {{ share_of('coalesce(segment_totals.total_sales_cents, 0)', 'overall.total_sales_cents') }}
            as share_of_sales

    from segments

    cross join overall

    left join segment_totals
        on segments.customer_segment = segment_totals.customer_segment

)

select * from final
