-- depends_on: {{ ref('customer_segments') }}
-- The segment history agrees with customer_segments, per segment, in customers and whole cents:
-- the current periods of customer_segment_history and, in segment_migrations, the end of the last
-- snapshot period (the customers and sales there) hold what customer_segments holds now; and on
-- the last day of every snapshot period, segment_migrations' customers per to_segment are the
-- customers whose customer_segment_history period holds that day (a customer who left the raw
-- data is in neither). Fails with one row per segment and check that differ. A history without
-- rows (no snapshot taken yet) passes. Outside a build (`dbt test` after `dbt run`, which takes
-- no snapshot) the history is compared with the snapshot's current rows instead of
-- customer_segments.
with

-- The snapshot's current rows (segment_snapshot_rows: none before the first snapshot).
snapshots as (

    {{ segment_snapshot_rows() }}

),

-- What the history must end at. In a build (and the daily refresh) the snapshot was taken of this
-- build's customer_segments: customer_segments itself. A `dbt test` after `dbt run`, which takes
-- no snapshot, finds the history ending at the last snapshot taken, which customer_segments may
-- have moved on from: then the snapshot's current rows.
{% if flags.WHICH == 'build' %}
segments_now as (

    select * from {{ ref('customer_segments') }}

),
{% else %}
segments_now as (

    select * from snapshots

    where dbt_valid_to is null

),
{% endif %}

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

    from segments_now

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

-- The periods of customer_segment_history that hold on each end of a snapshot period: the same
-- customers per segment, from the other mart's own computation.
history_on_period_ends as (

    select
        ends.snapshot_date,
        history.customer_segment,
        count(*) as customers

    from (select distinct period_ends.snapshot_date from period_ends) as ends

    inner join history
        on
            ends.snapshot_date >= history.valid_from
            and (history.valid_to is null or ends.snapshot_date < history.valid_to)

    group by ends.snapshot_date, history.customer_segment

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
        'history on each period end' as check_name,
        coalesce(period_ends.customer_segment, history_on_period_ends.customer_segment) as customer_segment,
        period_ends.customers as expected,
        history_on_period_ends.customers as found

    from period_ends

    full outer join history_on_period_ends
        on
            period_ends.snapshot_date = history_on_period_ends.snapshot_date
            and period_ends.customer_segment = history_on_period_ends.customer_segment

    where coalesce(period_ends.customers, 0) != coalesce(history_on_period_ends.customers, 0)

),

final as (

    select * from mismatches

)

select * from final
