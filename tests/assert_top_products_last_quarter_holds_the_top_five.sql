-- top_products_last_quarter holds the top five products of the last full quarter, or every
-- product sold in it when fewer were: min(5, products sold in the quarter) rows. The quarter is
-- the model's (the `last_full_quarter` doc block), from the same macros.
{%- set next_quarter_begin = quarter_start(as_of_date()) %}
{%- set quarter_begin = add_months(next_quarter_begin, -3) %}

{% if input_loaded('products') %}
with

order_lines as (

    select * from {{ ref('int_order_lines') }}

),

top_products as (

    select * from {{ ref('top_products_last_quarter') }}

),

sold as (

    select count(distinct product_id) as number_of_products

    from order_lines

    where
        order_date >= {{ quarter_begin }}
        and order_date < {{ next_quarter_begin }}

),

held as (

    select count(*) as number_of_rows

    from top_products

),

final as (

    select
        held.number_of_rows,
        sold.number_of_products as products_sold_in_quarter

    from held

    cross join sold

    where
        held.number_of_rows
        != case when sold.number_of_products < 5 then sold.number_of_products else 5 end

)

select * from final
{% else %}
-- Without the optional input products there is nothing to check.
select 1 as nothing_to_check
where 1 = 0
{% endif %}
