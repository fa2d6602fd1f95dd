-- No order can be dated after the as-of date (the `as_of_date` doc block). Without the var the
-- as-of date is the last order date, which no order is after: then an order dated after the day
-- dbt runs fails instead, with one day's grace for the time zones ahead of UTC (run_started_at is
-- UTC), so a mistyped year cannot become the as-of date unnoticed.
{%- set as_of_date_from_data = var('as_of_date') | string | trim in ('', 'none', 'None') %}

with

orders as (

    select * from {{ ref('stg_orders') }}

),

final as (

    select
        order_id,
        order_date

    from orders

    where
        order_date > {{ as_of_date() }}
        {%- if as_of_date_from_data %}
        or order_date > {{ add_days(to_iso_date("'" ~ run_started_at.strftime('%Y-%m-%d') ~ "'"), 1) }}
        {%- endif %}

)

select * from final
