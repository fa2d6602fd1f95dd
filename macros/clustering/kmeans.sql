{#- K-means (Lloyd's algorithm) in SQL, for warehouses without Python models. The algorithm
    (initialisation, assignment, update, convergence) is explained once, in the `kmeans` doc block
    (models/marts/clustering/_clustering__docs.md); the arguments in macros/clustering/_clustering.yml.

    Cost: per iteration one scan of the points and one GROUP BY, nothing written; the points
    and each one-row set of centroids are materialized. At a million points on SQLite an
    iteration takes about 1.6 s (see benchmarks/kmeans.py).

    Returns a query: {{ id_column }}, cluster_id (1..k, in initialisation order), and
    converged_at_iteration (the first iteration after which no centroid moved; NULL if it was
    still moving after the last one). -#}

{% macro kmeans(relation, id_column, feature_columns, k, iterations) -%}
    {%- set k = validated_whole_number('kmeans argument k', k, 2, 20) -%}
    {%- set iterations = validated_whole_number('kmeans argument iterations', iterations, 1, 200) -%}
    {%- set dims = range(1, feature_columns | length + 1) | list -%}
    {%- set clusters = range(1, k + 1) | list -%}
    {#- The test that no centroid moved: each new coordinate within 1e-12 of the previous one.
        (Not exact equality: engines sum in different orders, and the last bits of a mean may
        then flicker for an iteration or two after the labels have settled.) -#}
    {%- set unmoved = [] -%}
    {%- for c in clusters %}{% for d in dims -%}
        {%- do unmoved.append(
            'abs(coalesce(mean_c' ~ c ~ '_x' ~ d ~ ', previous_c' ~ c ~ '_x' ~ d ~ ')'
            ~ ' - previous_c' ~ c ~ '_x' ~ d ~ ') <= 1e-12'
        ) -%}
    {%- endfor %}{% endfor %}
with

-- Read once (every iteration scans it): the points, then k carrier rows (point_id NULL,
-- carrier 1..k) through which each iteration hands its centroids on to the next.
kmeans_points as {{ materialized_cte() }} (

    select
        {{ id_column }} as point_id,
        cast(null as {{ dbt.type_bigint() }}) as carrier,
        {%- for column in feature_columns %}
        cast({{ column }} as {{ type_double() }}) as x{{ loop.index }}{{ "," if not loop.last }}
        {%- endfor %}

    from {{ relation }}
    {%- for c in clusters %}

    union all

    select
        null as point_id,
        {{ c }} as carrier,
        {%- for d in dims %}
        null as x{{ d }}{{ "," if not loop.last }}
        {%- endfor %}
    {%- endfor %}

),

-- The points in initialisation order: by the first feature, then the id.
kmeans_ranked as (

    select
        *,
        row_number() over (order by x1, point_id) as init_order,
        -- (A window count would hold every row in memory first.)
        (select count(*) from {{ relation }}) as number_of_points

    from kmeans_points

    where carrier is null

),

-- The initial centroids, as one row: the points at evenly spaced quantiles of the first feature.
kmeans_start as (

    select
        {%- for c in clusters %}
        {%- for d in dims %}
        max(case when init_order = {{ kmeans_init_position(c, k) }} then x{{ d }} end) as c{{ c }}_x{{ d }},
        {%- endfor %}
        {%- endfor %}
        cast(null as {{ dbt.type_bigint() }}) as converged_at_iteration

    from kmeans_ranked

    where init_order in (
        {%- for c in clusters %}{{ kmeans_init_position(c, k) }}{{ ", " if not loop.last }}{% endfor -%}
    )

),

{{ kmeans_centroids_cte('kmeans_centroids_0', 'kmeans_start', clusters, dims) }}
{%- for t in range(iterations) %}

-- Iteration {{ t + 1 }}: every point's nearest centroid, and its coordinates summed per cluster.
-- Cluster k + c is carrier c, whose coordinates are centroid c's: the next step reads the
-- centroids from here, so no CTE is read twice (a warehouse that inlines CTEs would expand a
-- chain of double reads exponentially). Once the centroids have stopped moving only the
-- carriers are left to compute.
{{ kmeans_scores_cte('kmeans_scores_' ~ t, 'kmeans_centroids_' ~ t, clusters, dims,
                     'centroid.converged_at_iteration is null or kmeans_points.carrier is not null') }}

kmeans_sums_{{ t }} as (

    select
        case
            when carrier is not null then {{ k }} + carrier
            else {{ kmeans_nearest(clusters) }}
        end as cluster_id,
        {%- for d in dims %}
        sum(x{{ d }}) as sum_x{{ d }},
        {%- endfor %}
        count(*) as number_of_points,
        max(converged_at_iteration) as converged_at_iteration

    from kmeans_scores_{{ t }}

    group by 1

),

-- ... then each centroid moves to the mean of its points; one without points stays, and so does
-- every centroid once none has moved.
kmeans_moves_{{ t + 1 }} as (

    select
        {%- for c in clusters %}
        {%- for d in dims %}
        max(case when cluster_id = {{ c }} then sum_x{{ d }} / number_of_points end)
            as mean_c{{ c }}_x{{ d }},
        max(case when cluster_id = {{ k + c }} then sum_x{{ d }} end) as previous_c{{ c }}_x{{ d }},
        {%- endfor %}
        {%- endfor %}
        max(converged_at_iteration) as converged_at_iteration

    from kmeans_sums_{{ t }}

),

kmeans_moved_{{ t + 1 }} as (

    select
        {%- for c in clusters %}
        {%- for d in dims %}
        case
            when converged_at_iteration is null
                then coalesce(mean_c{{ c }}_x{{ d }}, previous_c{{ c }}_x{{ d }})
            else previous_c{{ c }}_x{{ d }}
        end as c{{ c }}_x{{ d }},
        {%- endfor %}
        {%- endfor %}
        coalesce(
            converged_at_iteration,
            case when {{ unmoved | join(' and ') }} then {{ t + 1 }} end
        ) as converged_at_iteration

    from kmeans_moves_{{ t + 1 }}

),

{{ kmeans_centroids_cte('kmeans_centroids_' ~ (t + 1), 'kmeans_moved_' ~ (t + 1), clusters, dims) }}
{%- endfor %}

-- The labels: every point's nearest final centroid.
{{ kmeans_scores_cte('kmeans_final_scores', 'kmeans_centroids_' ~ iterations, clusters, dims,
                     'kmeans_points.carrier is null') }}

kmeans_final as (

    select
        point_id as {{ id_column }},
        {{ kmeans_nearest(clusters) }} as cluster_id,
        converged_at_iteration

    from kmeans_final_scores

)

select * from kmeans_final
{%- endmacro %}


{#- The centroids (one row, from `source`), with what ranking points against them needs:
    m<c>_x<d> = -2 c_d and norm<c> = |c|^2. Materialized, so that they are computed once, not
    once per point. -#}
{% macro kmeans_centroids_cte(name, source, clusters, dims) -%}
{{ name }} as {{ materialized_cte() }} (

    select
        *,
        {%- for c in clusters %}
        {%- for d in dims %}
        -2 * c{{ c }}_x{{ d }} as m{{ c }}_x{{ d }},
        {%- endfor %}
        {% for d in dims -%}
            c{{ c }}_x{{ d }} * c{{ c }}_x{{ d }}{{ " + " if not loop.last }}
        {%- endfor %} as norm{{ c }}{{ "," if not loop.last }}
        {%- endfor %}

    from {{ source }}

),
{%- endmacro %}


{#- Every point (and carrier) joined to the one-row `centroids` where `condition` holds, with its
    score for each centroid: |c|^2 - 2 x.c, the squared distance less |x|^2 (the same for every
    centroid), which is how scikit-learn ranks them too. A carrier's coordinates are its centroid's.
    The fence stops the warehouse from pasting the scores into the next step, which reads each
    score twice. -#}
{% macro kmeans_scores_cte(name, centroids, clusters, dims, condition) -%}
{{ name }} as (

    select
        kmeans_points.point_id,
        kmeans_points.carrier,
        {%- for d in dims %}
        coalesce(
            kmeans_points.x{{ d }},
            case kmeans_points.carrier
                {%- for c in clusters %}
                when {{ c }} then centroid.c{{ c }}_x{{ d }}
                {%- endfor %}
            end
        ) as x{{ d }},
        {%- endfor %}
        {%- for c in clusters %}
        centroid.norm{{ c }}
        {%- for d in dims %}
        + centroid.m{{ c }}_x{{ d }} * kmeans_points.x{{ d }}
        {%- endfor %} as score{{ c }},
        {%- endfor %}
        centroid.converged_at_iteration

    from {{ centroids }} as centroid

    inner join kmeans_points
        on {{ condition }}

    {{ optimization_fence() }}

),
{%- endmacro %}


{#- The number of the centroid with the lowest score; a tie goes to the lower number. Each score
    is read twice (in the minimum and in its test), not k - 1 times over. -#}
{% macro kmeans_nearest(clusters) -%}
    {%- set scores = [] -%}
    {%- for c in clusters %}{% do scores.append('score' ~ c) %}{% endfor -%}
    case {{ least_of(scores) }}
        {%- for score in scores %}
        when {{ score }} then {{ loop.index }}
        {%- endfor %}
    end
{%- endmacro %}


{#- 1-based position, in first-feature order, of the point that seeds cluster c:
    floor((c - 0.5) * n / k) + 1. (floor, not a cast alone: casting 15.625 to an integer gives 15
    on SQLite and Spark, 16 on PostgreSQL and DuckDB.) -#}
{% macro kmeans_init_position(c, k) -%}
    cast(floor(({{ c }} - 0.5) * number_of_points / {{ k }}) as {{ dbt.type_bigint() }}) + 1
{%- endmacro %}
