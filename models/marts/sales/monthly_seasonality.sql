-- Orders and revenue by month of the year, across all years: the seasonal pattern.
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
        sum({{ to_cents('amount') }}) as revenue_cents

    from orders

),

final as (

    select
        cast(months.month_of_year as {{ dbt.type_bigint() }}) as month_of_year,
        cast(months.month_name as {{ dbt.type_string() }}) as month_name,
        cast(coalesce(monthly.number_of_orders, 0) as {{ dbt.type_bigint() }}) as number_of_orders,
        {{ cents_to_amount('coalesce(monthly.revenue_cents, 0)') }} as revenue_amount,
        {{ share_of('coalesce(monthly.number_of_orders, 0)', 'overall.number_of_orders') }}
            as share_of_orders,
        -- 1.0 is an average month; 1.5 has half as many orders again.
        {{ share_of('12 * coalesce(monthly.number_of_orders, 0)', 'overall.number_of_orders') }}
            as seasonality_index

    from months

    cross join overall

    left join monthly
        on months.month_of_year = monthly.month_of_year

)

select * from final
