-- The five products with the most revenue in the last full calendar quarter before the as-of
-- date (fewer when fewer sold), with what customers said about them. See the `last_full_quarter`
-- and `as_of_date` doc blocks.
{%- set next_quarter_begin = quarter_start(as_of_date()) %}
{%- set quarter_begin = add_months(next_quarter_begin, -3) %}

with

order_lines as (

    select * from {{ ref('int_order_lines') }}

),

{% if input_loaded('feedback') %}
product_feedback as (

    select * from {{ ref('int_product_feedback') }}

),
{% endif %}

quarter_sales as (

    select
        product_id,
        product_name,
        category,
        sum(quantity) as units_sold,
        sum(revenue_cents) as revenue_cents

    from order_lines

    where
        order_date >= {{ quarter_begin }}
        and order_date < {{ next_quarter_begin }}

    group by product_id, product_name, category

),

ranked as (

    select
        *,
        row_number() over (order by revenue_cents desc, product_id asc) as revenue_rank

    from quarter_sales

),

final as (

    select
        {{ quarter_begin }} as quarter_start_date,
        {{ add_days(next_quarter_begin, -1) }} as quarter_end_date,
        cast(ranked.revenue_rank as {{ dbt.type_bigint() }}) as revenue_rank,
        ranked.product_id,
        ranked.product_name,
        ranked.category,
        cast(ranked.units_sold as {{ dbt.type_bigint() }}) as units_sold,
        {{ cents_to_amount('ranked.revenue_cents') }} as revenue_amount,
        {% if input_loaded('feedback') -%}
        product_feedback.average_sentiment_score,
        product_feedback.average_rating,
        cast(coalesce(product_feedback.number_of_reviews, 0) as {{ dbt.type_bigint() }}) as number_of_reviews
        {%- else -%}
        -- Without the feedback input nothing is known of what customers said.
        cast(null as {{ type_double() }}) as average_sentiment_score,
        cast(null as {{ type_double() }}) as average_rating,
        cast(0 as {{ dbt.type_bigint() }}) as number_of_reviews
        {%- endif %}

    from ranked

    {% if input_loaded('feedback') -%}
    left join product_feedback
        on ranked.product_id = product_feedback.product_id
    {%- endif %}

    where ranked.revenue_rank <= 5

)

select * from final
