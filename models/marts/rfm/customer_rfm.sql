-- Recency, frequency and monetary value per customer with orders, scored 1-5 by quintile
-- (5 best) and named by the `rfm_segments` mapping.
with

customer_totals as (

    select * from {{ ref('int_customer_order_totals') }}

),

measured as (

    select
        customer_id,
        last_order_date,
        {{ days_between('last_order_date', as_of_date()) }} as recency_days,
        number_of_orders,
        total_sales_cents

    from customer_totals

),

-- Quintiles; ties are split by customer_id so the scores never change between runs.
scored as (

    select
        *,
        ntile(5) over (order by recency_days desc, customer_id asc) as r_score,
        ntile(5) over (order by number_of_orders, customer_id) as f_score,
        ntile(5) over (order by total_sales_cents, customer_id) as m_score

    from measured

),

final as (

    select
        cast(customer_id as {{ dbt.type_bigint() }}) as customer_id,
        last_order_date,
        cast(recency_days as {{ dbt.type_bigint() }}) as recency_days,
        cast(number_of_orders as {{ dbt.type_bigint() }}) as number_of_orders,
        {{ cents_to_amount('total_sales_cents') }} as total_sales_amount,
        cast(r_score as {{ dbt.type_bigint() }}) as r_score,
        cast(f_score as {{ dbt.type_bigint() }}) as f_score,
        cast(m_score as {{ dbt.type_bigint() }}) as m_score,
        cast(
            {{ dbt.concat(['cast(r_score as ' ~ dbt.type_string() ~ ')',
                           'cast(f_score as ' ~ dbt.type_string() ~ ')',
                           'cast(m_score as ' ~ dbt.type_string() ~ ')']) }}
            as {{ dbt.type_string() }}
        ) as rfm_score,
        cast({{ rfm_segment('r_score', 'f_score', 'm_score') }} as {{ dbt.type_string() }}) as rfm_segment

    from scored

)

select * from final
