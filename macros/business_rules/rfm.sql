{#- The RFM segment for recency, frequency and monetary scores (1 to 5, 5 best); see the
    `rfm_segments` doc block. The first matching rule wins; every score combination gets one. -#}

{% macro rfm_segment(r_score, f_score, m_score) -%}
    case
        when {{ r_score }} >= 4 and {{ f_score }} >= 4 and {{ m_score }} >= 4 then 'Champions'
        when {{ r_score }} >= 3 and {{ f_score }} >= 4 then 'Loyal'
        when {{ r_score }} >= 4 and {{ f_score }} >= 2 then 'Potential Loyalists'
        when {{ r_score }} >= 4 then 'New Customers'
        when {{ r_score }} <= 2 and {{ f_score }} >= 3 then 'At Risk'
        when {{ r_score }} <= 2 then 'Hibernating'
        else 'Need Attention'
    end
{%- endmacro %}
