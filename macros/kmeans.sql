{#- K-means (Lloyd's algorithm) in SQL, for warehouses without Python models.

    relation: a model with one row per point; id_column: its key; feature_columns: the numeric
    (already scaled) features; k: clusters; iterations: Lloyd iterations, unrolled as CTEs.

    Initialisation (deterministic): points are ordered by the first feature, then the id; the
    initial centroid of cluster c (1..k) is the point at position floor((c - 0.5) * n / k) + 1,
    i.e. evenly spaced quantiles of the first feature.
    Assignment: the nearest centroid by squared Euclidean distance; ties go to the lowest cluster.
    Update: each centroid moves to the mean of its points; a centroid that loses every point
    stays where it was. Once no centroid moves, further iterations change nothing.

    Returns a query: {{ id_column }}, cluster_id (1..k, in initialisation order), and
    converged_at_iteration (the first iteration after which no centroid moved; NULL if it was
    still moving after the last one). -#}

{% macro kmeans(relation, id_column, feature_columns, k, iterations) -%}
    {%- set k = validated_whole_number('kmeans argument k', k, 2, 20) -%}
    {%- set iterations = validated_whole_number('kmeans argument iterations', iterations, 1, 200) -%}
    {%- set dims = range(1, feature_columns | length + 1) | list -%}
    {%- set clusters = range(1, k + 1) | list -%}
    {#- Every centroid coordinate, as columns of one row: c<cluster>_x<dimension>. -#}
    {%- set coordinates = [] -%}
    {%- for c in clusters %}{% for d in dims %}{% do coordinates.append('c' ~ c ~ '_x' ~ d) %}{% endfor %}{% endfor %}
with

-- Read once (every iteration scans it).
kmeans_points as {{ materialized_cte() }} (

    select
        {{ id_column }} as point_id,
        {%- for column in feature_columns %}
        cast({{ column }} as {{ dbt.type_float() }}) as x{{ loop.index }},
        {%- endfor %}
        row_number() over (order by {{ feature_columns[0] }}, {{ id_column }}) as init_order,
        count(*) over () as number_of_points

    from {{ relation }}

),

-- The initial centroids, as one row: the points at evenly spaced quantiles of the first feature.
kmeans_centroids_0 as (

    select
        {%- for c in clusters %}
        {%- for d in dims %}
        max(case when init_order = {{ kmeans_init_position(c, k) }} then x{{ d }} end) as c{{ c }}_x{{ d }},
        {%- endfor %}
        {%- endfor %}
        cast(null as {{ dbt.type_int() }}) as converged_at_iteration

    from kmeans_points

),
{% for t in range(iterations) %}

-- Iteration {{ t + 1 }}: assign every point to its nearest centroid (ties: the lowest cluster),
-- carrying the current centroids along. Once they have stopped moving, the left join yields a
-- single row without a point: nothing is left to compute. Materialized, so each assignment is
-- computed once. (Each step reads only the one before: a second path back would make the
-- warehouse expand the chain exponentially.)
kmeans_assignments_{{ t }} as {{ materialized_cte() }} (

    select
        {%- for d in dims %}
        kmeans_points.x{{ d }},
        {%- endfor %}
        {%- for coordinate in coordinates %}
        centroid.{{ coordinate }},
        {%- endfor %}
        centroid.converged_at_iteration,
        {{ kmeans_nearest(clusters, dims) }} as cluster_id

    from kmeans_centroids_{{ t }} as centroid

    left join kmeans_points
        on centroid.converged_at_iteration is null

),

-- ... then move each centroid to the mean of its points (a centroid without points stays).
kmeans_moves_{{ t + 1 }} as (

    select
        {%- for c in clusters %}
        {%- for d in dims %}
        coalesce(avg(case when cluster_id = {{ c }} then x{{ d }} end), max(c{{ c }}_x{{ d }})) as c{{ c }}_x{{ d }},
        max(c{{ c }}_x{{ d }}) as previous_c{{ c }}_x{{ d }},
        {%- endfor %}
        {%- endfor %}
        max(converged_at_iteration) as converged_at_iteration

    from kmeans_assignments_{{ t }}

),

kmeans_centroids_{{ t + 1 }} as (

    select
        {%- for coordinate in coordinates %}
        {{ coordinate }},
        {%- endfor %}
        coalesce(
            converged_at_iteration,
            case when {% for coordinate in coordinates -%}
                {{ coordinate }} = previous_{{ coordinate }}{{ " and " if not loop.last }}
            {%- endfor %} then {{ t + 1 }} end
        ) as converged_at_iteration

    from kmeans_moves_{{ t + 1 }}

),
{%- endfor %}

-- The labels: every point's nearest final centroid.
kmeans_final as (

    select
        kmeans_points.point_id as {{ id_column }},
        {{ kmeans_nearest(clusters, dims) }} as cluster_id,
        centroid.converged_at_iteration

    from kmeans_centroids_{{ iterations }} as centroid

    cross join kmeans_points

)

select * from kmeans_final
{%- endmacro %}


{#- The number of the centroid nearest to the current point; a tie goes to the lower number.
    Each distance is written twice (in the minimum and in its test), not k - 1 times over. -#}
{% macro kmeans_nearest(clusters, dims) -%}
    {%- set distances = [] -%}
    {%- for c in clusters %}{% do distances.append(kmeans_distance(c, dims)) %}{% endfor -%}
    case {{ least_of(distances) }}
        {%- for c in clusters %}
        when {{ distances[loop.index0] }} then {{ c }}
        {%- endfor %}
    end
{%- endmacro %}


{#- The smallest of several expressions (NULL if any is NULL). Dispatched. -#}
{% macro least_of(expressions) -%}
    {{ return(adapter.dispatch('least_of', 'segments')(expressions)) }}
{%- endmacro %}

{% macro default__least_of(expressions) -%}
    least({{ expressions | join(', ') }})
{%- endmacro %}

{#- SQLite's min() with several arguments is the scalar minimum. -#}
{% macro sqlite__least_of(expressions) -%}
    min({{ expressions | join(', ') }})
{%- endmacro %}


{#- Squared Euclidean distance from the current point to centroid c. -#}
{% macro kmeans_distance(c, dims) -%}
    ({% for d in dims -%}
        (kmeans_points.x{{ d }} - centroid.c{{ c }}_x{{ d }}) * (kmeans_points.x{{ d }} - centroid.c{{ c }}_x{{ d }})
        {{- " + " if not loop.last }}
    {%- endfor %})
{%- endmacro %}


{#- 1-based position, in first-feature order, of the point that seeds cluster c:
    floor((c - 0.5) * n / k) + 1. -#}
{% macro kmeans_init_position(c, k) -%}
    cast(({{ c }} - 0.5) * number_of_points / {{ k }} as {{ dbt.type_int() }}) + 1
{%- endmacro %}


{#- A whole-number setting checked at compile time: stops with a message naming it. -#}
{% macro validated_whole_number(name, value, minimum, maximum) -%}
    {%- set text = value | string | trim -%}
    {%- if not modules.re.fullmatch('[0-9]+', text) or not (minimum <= (text | int) <= maximum) -%}
        {{ exceptions.raise_compiler_error(
            name ~ " must be a whole number from " ~ minimum ~ " to " ~ maximum ~ "; got '" ~ text ~ "'"
        ) }}
    {%- endif -%}
    {{ return(text | int) }}
{%- endmacro %}


{#- The CTE hint that makes the warehouse compute a CTE once and keep it (PostgreSQL, SQLite and
    DuckDB spell it MATERIALIZED); empty where there is no such hint. -#}
{% macro materialized_cte() -%}
    {{ return(adapter.dispatch('materialized_cte', 'segments')()) }}
{%- endmacro %}

{% macro default__materialized_cte() -%}
{%- endmacro %}

{% macro sqlite__materialized_cte() -%}
    materialized
{%- endmacro %}

{% macro postgres__materialized_cte() -%}
    materialized
{%- endmacro %}

{% macro duckdb__materialized_cte() -%}
    materialized
{%- endmacro %}
