with

feedback as (

    select * from {{ ref('stg_customer_feedback') }}

),

final as (

    select
        product_id,
        count(feedback_id) as number_of_reviews,
        cast(avg(rating) as {{ type_double() }}) as average_rating,
        -- avg ignores documents without a sentiment score.
        cast(avg(sentiment_score) as {{ type_double() }}) as average_sentiment_score,
        count(sentiment_score) as number_of_sentiment_scores

    from feedback

    group by product_id

)

select * from final
