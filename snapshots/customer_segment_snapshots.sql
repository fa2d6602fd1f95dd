-- The history of customer_segments (docs/segment-history.md): one row per customer and period in
-- which its segment, total and number of orders stayed the same. dbt_valid_from and dbt_valid_to
-- are the as-of dates of the data (the column segment_date, dbt's `updated_at` for the check
-- strategy), never the wall clock: the same data snapshotted again adds nothing, and a replay of
-- the same days gives the same table. A customer who left the raw data has their row ended on the
-- as-of date (hard_deletes 'invalidate'; dbt's snapshot_get_time is the as-of date,
-- macros/segment_history/). A snapshot for a day before the history's last rewinds the history to
-- that day first (pre-hook rewind_segment_history): as-of dates only move forward.
--
-- Two sources, one shape:
-- - a build or refresh (var segment_history_date empty): the customer_segments this build wrote
--   and tested, dated by the as-of date;
-- - a backfill day (var segment_history_date, python -m segments.history): the segments computed
--   from the orders up to that day, of the customers registered or ordering by then, with the
--   same rules and money columns as customer_segments.
{% snapshot customer_segment_snapshots %}

{{ config(
    strategy='check',
    unique_key='customer_id',
    check_cols=['customer_segment', 'total_sales_amount', 'number_of_orders'],
    updated_at='segment_date',
    hard_deletes='invalidate',
    pre_hook="{{ rewind_segment_history() }}",
) }}

{%- set history_date = segment_history_date() %}

with

customer_segments as (

    select * from {{ ref('customer_segments') }}

),

customers as (

    select * from {{ ref('stg_customers') }}

),

orders as (

    select * from {{ ref('stg_orders') }}

),

{% if history_date is none %}
final as (

    select
        customer_id,
        customer_segment,
        total_sales_amount,
        number_of_orders,
        {{ as_of_date() }} as segment_date

    from customer_segments

)
{% else %}
orders_to_date as (

    select
        customer_id,
        count(order_id) as number_of_orders,
        sum({{ to_cents('amount') }}) as total_sales_cents

    from orders

    where order_date <= {{ history_date }}

    group by customer_id

),

final as (

    select
        customers.customer_id,
        cast(
            {{ customer_segment('coalesce(orders_to_date.total_sales_cents, 0)') }} as {{ dbt.type_string() }}
        ) as customer_segment,
        {{ cents_to_amount('coalesce(orders_to_date.total_sales_cents, 0)') }} as total_sales_amount,
        cast(coalesce(orders_to_date.number_of_orders, 0) as {{ dbt.type_bigint() }}) as number_of_orders,
        {{ history_date }} as segment_date

    from customers

    left join orders_to_date
        on customers.customer_id = orders_to_date.customer_id

    where
        customers.registration_date <= {{ history_date }}
        or orders_to_date.customer_id is not null

)
{% endif %}

select * from final

{% endsnapshot %}
