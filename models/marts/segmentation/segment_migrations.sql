-- Who moved between segments: for each pair of consecutive snapshot dates (period_type
-- 'snapshot'; the first date is the history's opening, from and to itself, everyone from 'New')
-- and for each calendar month (period_type 'month': from the last snapshot date before
-- the month, or its first, to its last), the customers per segment at the start and at the end,
-- and what they had spent by each. A customer not in the history at the start comes from 'New'.
with

-- The snapshot less the rows a second snapshot of the same day replaced, or no rows before its
-- first run (segment_snapshot_rows).
snapshots as (

    {{ segment_snapshot_rows() }}

),

snapshot_rows as (

    select
        customer_id,
        customer_segment,
        {{ to_cents('total_sales_amount') }} as total_sales_cents,
        cast(dbt_valid_from as {{ type_date() }}) as valid_from,
        cast(dbt_valid_to as {{ type_date() }}) as valid_to

    from snapshots

),

-- The dates on which the history changed: between two of them every customer kept their row.
snapshot_dates as (

    select
        valid_from as snapshot_date,
        lag(valid_from) over (order by valid_from) as previous_date

    from (select distinct valid_from from snapshot_rows) as distinct_dates

),

months as (

    select
        {{ month_start('snapshot_date') }} as month_start,
        min(snapshot_date) as first_date,
        max(snapshot_date) as last_date

    from snapshot_dates

    group by {{ month_start('snapshot_date') }}

),

periods as (

    -- The first snapshot date is a period of its own, from and to that day: the history's opening,
    -- every customer from 'New'.
    select
        'snapshot' as period_type,
        coalesce(previous_date, snapshot_date) as period_start,
        snapshot_date as period_end

    from snapshot_dates

    union all

    select
        'month' as period_type,
        coalesce(snapshot_dates.previous_date, months.first_date) as period_start,
        months.last_date as period_end

    from months

    inner join snapshot_dates
        on months.first_date = snapshot_dates.snapshot_date

    where coalesce(snapshot_dates.previous_date, months.first_date) < months.last_date

),

-- Each customer's row on a period's first day and on its last.
at_start as (

    select
        periods.period_type,
        periods.period_start,
        periods.period_end,
        snapshot_rows.customer_id,
        snapshot_rows.customer_segment,
        snapshot_rows.total_sales_cents

    from periods

    inner join snapshot_rows
        on
            periods.period_start >= snapshot_rows.valid_from
            and (snapshot_rows.valid_to is null or periods.period_start < snapshot_rows.valid_to)

),

at_end as (

    select
        periods.period_type,
        periods.period_start,
        periods.period_end,
        snapshot_rows.customer_id,
        snapshot_rows.customer_segment,
        snapshot_rows.total_sales_cents

    from periods

    inner join snapshot_rows
        on
            periods.period_end >= snapshot_rows.valid_from
            and (snapshot_rows.valid_to is null or periods.period_end < snapshot_rows.valid_to)

),

moves as (

    select
        at_end.period_type,
        at_end.period_start,
        at_end.period_end,
        at_end.customer_segment as to_segment,
        at_end.total_sales_cents as cents_after,
        coalesce(at_start.customer_segment, 'New') as from_segment,
        coalesce(at_start.total_sales_cents, 0) as cents_before

    from at_end

    left join at_start
        on
            at_end.period_type = at_start.period_type
            and at_end.period_start = at_start.period_start
            and at_end.period_end = at_start.period_end
            and at_end.customer_id = at_start.customer_id
            and at_end.period_start < at_end.period_end

),

final as (

    select
        cast(period_type as {{ dbt.type_string() }}) as period_type,
        -- Cast: a column of a union has no declared type on SQLite.
        cast(period_start as {{ type_date() }}) as period_start,
        cast(period_end as {{ type_date() }}) as period_end,
        cast(from_segment as {{ dbt.type_string() }}) as from_segment,
        cast(to_segment as {{ dbt.type_string() }}) as to_segment,
        cast(count(*) as {{ dbt.type_bigint() }}) as customers,
        {{ cents_to_amount('sum(cents_before)') }} as sales_amount_before,
        {{ cents_to_amount('sum(cents_after)') }} as sales_amount_after

    from moves

    group by period_type, period_start, period_end, from_segment, to_segment

)

select * from final
