{#- Fails for amounts with more than two decimals: they would be silently rounded when summed in cents. -#}

{% test whole_cents(model, column_name) %}

with

final as (

    select {{ column_name }} as amount_with_fractional_cents

    from {{ model }}

    where abs({{ column_name }} * 100 - {{ to_cents(column_name) }}) > 0.000001

)

select * from final

{% endtest %}
