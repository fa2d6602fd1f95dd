-- Orders and revenue by month of the year, and how busy each month is against an average month:
-- the seasonal pattern, with each calendar month averaged over the years in which it occurs, so
-- a month the data covers twice does not count double. See the model's description.
with

orders as (

    select * from {{ ref('stg_orders') }}

),

-- All twelve months, so a month without orders still shows.
months as (

    {% for name in ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August',
                    'September', 'October', 'November', 'December'] %}
    select
        {{ loop.index }} as month_of_year,
        '{{ name }}' as month_name
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

monthly as (

    select
        {{ month_of_year('order_date') }} as month_of_year,
        count(order_id) as number_of_orders,
        sum({{ to_cents('amount') }}) as revenue_cents

    from orders

    group by {{ month_of_year('order_date') }}

),

overall as (

    select
        count(order_id) as number_of_orders,
        min(order_date) as first_order_date,
        max(order_date) as last_order_date

    from orders

),

-- The months from the first order's to the last order's, both included: whole years of twelve,
-- then 1 to 12 more months starting with the first order's calendar month.
data_span as (

    select
        number_of_orders,
        {{ month_of_year('first_order_date') }} as first_month_of_year,
        {{ age_in_years(month_start('first_order_date'), month_start('last_order_date')) }}
            as whole_years,
        (
            {{ month_of_year('last_order_date') }} - {{ month_of_year('first_order_date') }} + 12
        ) % 12 as months_after_whole_years

    from overall

),

measured as (

    select
        months.month_of_year,
        months.month_name,
        data_span.number_of_orders as total_orders,
        coalesce(monthly.number_of_orders, 0) as number_of_orders,
        coalesce(monthly.revenue_cents, 0) as revenue_cents,
        coalesce(data_span.whole_years * 12 + data_span.months_after_whole_years + 1, 0)
            as number_of_months,
        -- The month occurs once in every whole year, and once more when it is one of the months
        -- after them.
        coalesce(
            data_span.whole_years
            + case
                when
                    (months.month_of_year - data_span.first_month_of_year + 12) % 12
                    <= data_span.months_after_whole_years
                    then 1
                else 0
            end,
            0
        ) as number_of_years

    from months

    cross join data_span

    left join monthly
        on months.month_of_year = monthly.month_of_year

),

final as (

    select
        cast(month_of_year as {{ dbt.type_bigint() }}) as month_of_year,
        cast(month_name as {{ dbt.type_string() }}) as month_name,
        cast(number_of_years as {{ dbt.type_bigint() }}) as number_of_years,
        cast(number_of_orders as {{ dbt.type_bigint() }}) as number_of_orders,
        {{ cents_to_amount('revenue_cents') }} as revenue_amount,
        {{ share_of('number_of_orders', 'total_orders') }} as share_of_orders,
        -- (orders / number_of_years) / (total_orders / number_of_months): 1.0 is an average
        -- month, 1.5 has half as many orders again; 0 for a month the data never reaches.
        {{ share_of('number_of_orders * number_of_months', 'number_of_years * total_orders') }}
            as seasonality_index

    from measured

)

select * from final
