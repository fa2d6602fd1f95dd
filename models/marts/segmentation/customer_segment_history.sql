-- One row per customer and period in one segment, from the snapshot of customer_segments
-- (snapshots/customer_segment_snapshots.sql). The snapshot starts a row whenever a customer's
-- segment, total or number of orders changed; the rows in a row of the same segment are one
-- period here.
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
        total_sales_amount,
        cast(dbt_valid_from as {{ type_date() }}) as valid_from,
        cast(dbt_valid_to as {{ type_date() }}) as valid_to

    from snapshots

),

-- 1 where a row begins a period: the customer's first row, or a segment other than the row before.
period_starts as (

    select
        customer_id,
        customer_segment,
        total_sales_amount,
        valid_from,
        valid_to,
        case
            when
                lag(customer_segment) over (partition by customer_id order by valid_from) = customer_segment
                then 0
            else 1
        end as starts_period

    from snapshot_rows

),

numbered_rows as (

    select
        customer_id,
        customer_segment,
        total_sales_amount,
        valid_from,
        valid_to,
        starts_period,
        sum(starts_period) over (
            partition by customer_id
            order by valid_from
            rows between unbounded preceding and current row
        ) as period_number

    from period_starts

),

periods as (

    select
        customer_id,
        period_number,
        min(valid_from) as valid_from,
        -- Open (NULL) while the period's last row is.
        case when count(*) = count(valid_to) then max(valid_to) end as valid_to

    from numbered_rows

    group by customer_id, period_number

),

final as (

    select
        periods.customer_id,
        -- Cast: a column of a window or an aggregate has no declared type on SQLite.
        cast(numbered_rows.customer_segment as {{ dbt.type_string() }}) as customer_segment,
        cast(periods.valid_from as {{ type_date() }}) as valid_from,
        cast(periods.valid_to as {{ type_date() }}) as valid_to,
        cast(case when periods.valid_to is null then 1 else 0 end as {{ dbt.type_bigint() }}) as is_current,
        {{ cents_to_amount(to_cents('numbered_rows.total_sales_amount')) }} as total_sales_amount

    from periods

    inner join numbered_rows
        on
            periods.customer_id = numbered_rows.customer_id
            and periods.period_number = numbered_rows.period_number
            and numbered_rows.starts_period = 1

)

select * from final
