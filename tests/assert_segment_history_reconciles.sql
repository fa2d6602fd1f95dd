-- The segment history agrees with customer_segments, per segment, in customers and whole cents:
-- the current periods of customer_segment_history and, in segment_migrations, the end of the last
-- snapshot period (the customers and sales there) hold what customer_segments holds now; and each
-- snapshot period starts (from_segment, less 'New') where the period before it ended
-- (to_segment). Fails with one row per segment and check that differ. A history without rows (no
-- snapshot taken yet) passes.
with

customer_segments as (

    select * from {{ ref('customer_segments') }}

),

history as (

    select * from {{ ref('customer_segment_history') }}

),

migrations as (

    select * from {{ ref('segment_migrations') }}

),

now_per_segment as (

    select
        customer_segment,
        count(*) as customers,
        sum({{ to_cents('total_sales_amount') }}) as total_cents

    from customer_segments

    group by customer_segment

),

current_history as (

    select
        customer_segment,
        count(*) as customers

    from history

    where is_current = 1

    group by customer_segment

),

last_snapshot_period as (

    select
        to_segment as customer_segment,
        sum(customers) as customers,
        sum({{ to_cents('sales_amount_after') }}) as total_cents

    from migrations

    where
        period_type = 'snapshot'
        and period_end = (select max(all_periods.period_end) from migrations as all_periods)

    group by to_segment

),

period_ends as (

    select
        period_end as snapshot_date,
        to_segment as customer_segment,
        sum(customers) as customers

    from migrations

    where period_type = 'snapshot'

    group by period_end, to_segment

),

period_starts as (

    select
        period_start as snapshot_date,
        from_segment as customer_segment,
        sum(customers) as customers

    from migrations

    where
        period_type = 'snapshot'
        and from_segment != 'New'
        and period_start in (select ends.snapshot_date from period_ends as ends)

    group by period_start, from_segment

),

mismatches as (

    select
        'current history' as check_name,
        coalesce(now_per_segment.customer_segment, current_history.customer_segment) as customer_segment,
        now_per_segment.customers as expected,
        current_history.customers as found

    from now_per_segment

    full outer join current_history
        on now_per_segment.customer_segment = current_history.customer_segment

    where
        coalesce(now_per_segment.customers, 0) != coalesce(current_history.customers, 0)
        -- No history yet (no snapshot taken: `dbt run` runs none) is no mismatch.
        and exists (select history.customer_id from history)

    union all

    select
        'customers at the last snapshot' as check_name,
        now_per_segment.customer_segment,
        now_per_segment.customers as expected,
        last_snapshot_period.customers as found

    from now_per_segment

    inner join last_snapshot_period
        on now_per_segment.customer_segment = last_snapshot_period.customer_segment

    where now_per_segment.customers != last_snapshot_period.customers

    union all

    select
        'cents at the last snapshot' as check_name,
        now_per_segment.customer_segment,
        now_per_segment.total_cents as expected,
        last_snapshot_period.total_cents as found

    from now_per_segment

    inner join last_snapshot_period
        on now_per_segment.customer_segment = last_snapshot_period.customer_segment

    where now_per_segment.total_cents != last_snapshot_period.total_cents

    union all

    select
        'period starts where the one before ended' as check_name,
        coalesce(period_ends.customer_segment, period_starts.customer_segment) as customer_segment,
        period_ends.customers as expected,
        period_starts.customers as found

    from period_ends

    full outer join period_starts
        on
            period_ends.snapshot_date = period_starts.snapshot_date
            and period_ends.customer_segment = period_starts.customer_segment

    where
        coalesce(period_ends.snapshot_date, period_starts.snapshot_date)
        in (select starts.snapshot_date from period_starts as starts)
        and coalesce(period_ends.customers, 0) != coalesce(period_starts.customers, 0)

),

final as (

    select * from mismatches

)

select * from final
