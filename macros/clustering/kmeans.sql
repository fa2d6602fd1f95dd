{#- K-means (Lloyd's algorithm) run as a loop of SQL statements, for warehouses without Python
    models. The algorithm (initialisations, assignment, update, convergence) is explained once, in
    the `kmeans` doc block (models/marts/clustering/_clustering__docs.md); the arguments in
    macros/clustering/_clustering.yml.

    kmeans_fit runs while the model that calls it compiles, as dbt's run_query does for any
    value a model reads from the warehouse: one query per iteration, each one scan of the points
    that returns the k new centroids. The centroids go into the next query as numbers, so each
    statement stays the same size however many iterations it takes. The model then writes the
    final centroids as rows, and the clusters are assigned from them in plain SQL
    (kmeans_assignment_sql), which is what unit tests can check. -#}

{% macro kmeans_fit(relation, id_column, feature_columns, k, init, max_iterations, seed) -%}
    {%- set k = validated_whole_number('kmeans argument k', k, 2, 20) -%}
    {%- set max_iterations = validated_whole_number(
        'kmeans argument max_iterations', max_iterations, 1, 10000) -%}
    {%- set seed = validated_whole_number('kmeans argument seed', seed, 0, 2 ** 63) -%}
    {%- if init not in ('quantiles', 'kmeans++') -%}
        {{ exceptions.raise_compiler_error(
            "kmeans argument init must be 'quantiles' or 'kmeans++'; got '" ~ init ~ "'") }}
    {%- endif -%}
    {%- set fit = {'points': 0, 'initial': [], 'centroids': [], 'iterations': 0,
                   'converged_at_iteration': none} -%}
    {#- Nothing to read while dbt only parses the project or docs generate compiles it, nor
        before the points' table is built (dbt compile on a new warehouse). -#}
    {%- if not execute or flags.WHICH == 'generate' or load_relation(relation) is none -%}
        {{ return(fit) }}
    {%- endif -%}
    {%- set started = modules.datetime.datetime.now() -%}
    {%- set points = kmeans_points_sql(relation, id_column, feature_columns) -%}
    {%- set counted = run_query('select count(*) from (' ~ points ~ ') as kmeans_points') -%}
    {%- do fit.update({'points': counted.rows[0][0] | int}) -%}
    {%- if fit.points == 0 -%}
        {{ return(fit) }}
    {%- endif -%}
    {%- if init == 'quantiles' -%}
        {%- set centroids = kmeans_quantile_centroids(points, feature_columns | length, k, fit.points) -%}
    {%- else -%}
        {%- set centroids = kmeans_plus_plus_centroids(points, feature_columns | length, k, seed) -%}
    {%- endif -%}
    {#- Copies: the iterations move the centroids in place. -#}
    {%- for centroid in centroids %}{% do fit.initial.append(centroid | list) %}{% endfor -%}
    {%- set initialised = modules.datetime.datetime.now() -%}
    {%- for iteration in range(1, max_iterations + 1) if fit.converged_at_iteration is none -%}
        {%- set moved = kmeans_iteration(points, centroids) -%}
        {%- do fit.update({'iterations': iteration}) -%}
        {%- if not moved -%}
            {%- do fit.update({'converged_at_iteration': iteration}) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- do fit.update({'centroids': centroids}) -%}
    {#- In dbt's log (logs/dbt.log), for benchmarks/kmeans.py and anyone timing a fit. -#}
    {%- set finished = modules.datetime.datetime.now() -%}
    {{ log('kmeans_fit of ' ~ relation ~ ': k=' ~ k ~ ', ' ~ fit.points ~ ' points, init ' ~ init
           ~ ' in ' ~ '%.3f' | format((initialised - started).total_seconds()) ~ ' s, '
           ~ fit.iterations ~ ' iterations in ' ~ '%.3f' | format((finished - initialised).total_seconds())
           ~ ' s, converged at ' ~ fit.converged_at_iteration) }}
    {{ return(fit) }}
{%- endmacro %}


{#- One Lloyd iteration: every point to its nearest centroid, then each centroid (a list of
    floats, updated in place) to the mean of its points; one without points stays. True when a
    coordinate moved by more than 1e-12 (not exact equality: engines that sum in parallel may
    change the last bits of a mean from one run to the next). -#}
{% macro kmeans_iteration(points, centroids) -%}
    {%- set dims = range(1, centroids[0] | length + 1) | list -%}
    {%- set means = run_query(kmeans_update_sql(points, centroids)) -%}
    {%- set state = {'moved': false} -%}
    {%- for row in means.rows -%}
        {%- set centroid = centroids[(row[0] | int) - 1] -%}
        {%- for d in dims -%}
            {%- set mean = row[d] | float -%}
            {%- if (mean - centroid[d - 1]) | abs > 1e-12 -%}
                {%- do state.update({'moved': true}) -%}
            {%- endif -%}
            {%- do centroid.pop(d - 1) -%}
            {%- do centroid.insert(d - 1, mean) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(state.moved) }}
{%- endmacro %}


{#- The points: point_id and x1..xd as doubles. -#}
{% macro kmeans_points_sql(relation, id_column, feature_columns) -%}
    select
        cast({{ id_column }} as {{ dbt.type_bigint() }}) as point_id,
        {%- for column in feature_columns %}
        cast({{ column }} as {{ type_double() }}) as x{{ loop.index }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ relation }}
{%- endmacro %}


{#- One iteration's query: the points per nearest centroid, counted and averaged. -#}
{% macro kmeans_update_sql(points, centroids) -%}
    {%- set dims = range(1, centroids[0] | length + 1) | list -%}
    select
        cluster_id,
        {%- for d in dims %}
        sum(x{{ d }}) / count(*) as mean_x{{ d }},
        {%- endfor %}
        count(*) as number_of_points
    from (
        {{ kmeans_assignment_sql(
            points, kmeans_centroid_literals(centroids), centroids | length, dims | length) }}
    ) as kmeans_assigned
    group by cluster_id
{%- endmacro %}


{#- Every point with cluster_id, its nearest centroid, from `centroid_row`: a query of one row
    with c<c>_x<d>, the coordinates of centroid c. Each point's score for centroid c is
    |c|^2 - 2 x.c, its squared distance less |x|^2 (the same for every centroid), which ranks the
    centroids as the distance does and is how scikit-learn ranks them too; |c|^2 and -2 c are
    computed once. The fences keep the warehouse from pasting those into every point's scores,
    and the scores into the comparisons that read each one several times. -#}
{% macro kmeans_assignment_sql(points, centroid_row, k, d) -%}
    {%- set clusters = range(1, k + 1) | list -%}
    {%- set dims = range(1, d + 1) | list -%}
    select
        point_id,
        {%- for d in dims %}
        x{{ d }},
        {%- endfor %}
        {{ kmeans_nearest(clusters) | indent(8) }} as cluster_id
    from (
        select
            kmeans_points.*,
            {%- for c in clusters %}
            centroid.norm{{ c }}
            {%- for d in dims %}
            + centroid.m{{ c }}_x{{ d }} * kmeans_points.x{{ d }}
            {%- endfor %} as score{{ c }}{{ "," if not loop.last }}
            {%- endfor %}
        from (
            select
                {%- for c in clusters %}
                {%- for d in dims %}
                -2 * c{{ c }}_x{{ d }} as m{{ c }}_x{{ d }},
                {%- endfor %}
                {% for d in dims -%}
                    c{{ c }}_x{{ d }} * c{{ c }}_x{{ d }}{{ " + " if not loop.last }}
                {%- endfor %} as norm{{ c }}{{ "," if not loop.last }}
                {%- endfor %}
            from ({{ centroid_row }}) as centroid_coordinates
            {{ optimization_fence() }}
        ) as centroid
        cross join ({{ points }}) as kmeans_points
        {{ optimization_fence() }}
    ) as kmeans_scored
{%- endmacro %}


{#- The centroids (a list of lists of floats) as a one-row query of c<c>_x<d>. -#}
{% macro kmeans_centroid_literals(centroids) -%}
    select
    {%- for centroid in centroids %}
        {%- set c = loop.index %}
        {%- for value in centroid %}
        {{ kmeans_number(value) }} as c{{ c }}_x{{ loop.index }}{{ "," if not loop.last }}
        {%- endfor %}{{ "," if not loop.last }}
    {%- endfor %}
{%- endmacro %}


{#- A float written so that every engine reads back the same double: 17 significant digits, as a
    double, not a decimal. -#}
{% macro kmeans_number(value) -%}
    cast({{ '%.17e' | format(value | float) }} as {{ type_double() }})
{%- endmacro %}


{#- The number of the centroid with the lowest score (score1..scorek of the current row); a tie
    goes to the lower number. Plain comparisons in order: centroid c is taken when it is no
    further than every later one, as every earlier one was further than some later one. -#}
{% macro kmeans_nearest(clusters) -%}
    case
        {%- for c in clusters[:-1] %}
        when {% for later in clusters[loop.index:] -%}
            score{{ c }} <= score{{ later }}{{ " and " if not loop.last }}
        {%- endfor %} then {{ c }}
        {%- endfor %}
        else {{ clusters[-1] }}
    end
{%- endmacro %}


{#- The deterministic initialisation: the points ordered by the first feature, then the id;
    cluster c of k starts at position floor((c - 0.5) * n / k) + 1 (evenly spaced quantiles). -#}
{% macro kmeans_quantile_centroids(points, d, k, number_of_points) -%}
    {%- set positions = [] -%}
    {%- for c in range(1, k + 1) -%}
        {%- do positions.append(((c - 0.5) * number_of_points / k) | round(0, 'floor') | int + 1) -%}
    {%- endfor -%}
    {%- set chosen = run_query(
        'select init_order, ' ~ kmeans_coordinates(d) ~ ' from ('
        ~ 'select kmeans_points.*, row_number() over (order by x1, point_id) as init_order'
        ~ ' from (' ~ points ~ ') as kmeans_points) as kmeans_ranked'
        ~ ' where init_order in (' ~ positions | unique | join(', ') ~ ')'
    ) -%}
    {%- set by_position = {} -%}
    {%- for row in chosen.rows -%}
        {%- do by_position.update({row[0] | int: kmeans_row_coordinates(row, d)}) -%}
    {%- endfor -%}
    {%- set centroids = [] -%}
    {%- for position in positions -%}
        {%- do centroids.append(by_position[position] | list) -%}
    {%- endfor -%}
    {{ return(centroids) }}
{%- endmacro %}


{#- k-means++ (Arthur and Vassilvitskii, 2007), deterministic for a seed: the first centroid is
    the point where a uniform draw falls on the points in id order, each point weighing 1; every
    next one where a draw falls on them weighing their squared distance to the nearest centroid
    chosen so far (the first point whose running total of weights exceeds draw x total). The
    draws come from kmeans_draws. -#}
{% macro kmeans_plus_plus_centroids(points, d, k, seed) -%}
    {%- set draws = kmeans_draws(seed, k) -%}
    {%- set centroids = [] -%}
    {%- for c in range(k) -%}
        {%- if centroids -%}
            {%- set distances = [] -%}
            {%- for centroid in centroids -%}
                {%- set terms = [] -%}
                {%- for value in centroid -%}
                    {%- set difference = '(x' ~ loop.index ~ ' - ' ~ kmeans_number(value) ~ ')' -%}
                    {%- do terms.append(difference ~ ' * ' ~ difference) -%}
                {%- endfor -%}
                {%- do distances.append(terms | join(' + ')) -%}
            {%- endfor -%}
            {%- set weight = least_of(distances) if distances | length > 1 else distances[0] -%}
        {%- else -%}
            {%- set weight = '1' -%}
        {%- endif -%}
        {%- set chosen = run_query(
            'select ' ~ kmeans_coordinates(d) ~ ' from ('
            ~ 'select kmeans_weighted.*,'
            ~ ' sum(weight) over (order by point_id rows between unbounded preceding and current row)'
            ~ ' as running_weight, sum(weight) over () as total_weight'
            ~ ' from (select kmeans_points.*, cast(' ~ weight ~ ' as ' ~ type_double() ~ ') as weight'
            ~ ' from (' ~ points ~ ') as kmeans_points) as kmeans_weighted) as kmeans_cumulative'
            ~ ' where running_weight > ' ~ kmeans_number(draws[c]) ~ ' * total_weight'
            ~ ' order by point_id limit 1'
        ) -%}
        {%- if chosen.rows | length == 0 -%}
            {#- Every point already coincides with a centroid: fewer distinct points than k. -#}
            {%- do centroids.append(centroids[-1] | list) -%}
        {%- else -%}
            {%- do centroids.append(kmeans_row_coordinates(chosen.rows[0], d, offset=0)) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(centroids) }}
{%- endmacro %}


{#- n uniform draws in [0, 1) from a seed: the 64-bit linear congruential generator of Knuth's
    MMIX (state = 6364136223846793005 x state + 1442695040888963407 mod 2^64, starting from the
    seed), each draw the top 53 bits of the next state divided by 2^53. -#}
{% macro kmeans_draws(seed, n) -%}
    {%- set state = {'value': seed} -%}
    {%- set draws = [] -%}
    {%- for _ in range(n) -%}
        {%- do state.update(
            {'value': (6364136223846793005 * state.value + 1442695040888963407) % 2 ** 64}) -%}
        {%- do draws.append((state.value // 2 ** 11) / 2 ** 53) -%}
    {%- endfor -%}
    {{ return(draws) }}
{%- endmacro %}


{% macro kmeans_coordinates(d) -%}
    {%- set columns = [] -%}
    {%- for i in range(1, d + 1) %}{% do columns.append('x' ~ i) %}{% endfor -%}
    {{ return(columns | join(', ')) }}
{%- endmacro %}


{#- A result row's d coordinates (after `offset` leading columns) as floats. -#}
{% macro kmeans_row_coordinates(row, d, offset=1) -%}
    {%- set values = [] -%}
    {%- for i in range(d) %}{% do values.append(row[offset + i] | float) %}{% endfor -%}
    {{ return(values) }}
{%- endmacro %}


{#- The fitted centroids as rows: cluster_id, the feature columns (the final centroid), the same
    names prefixed initial_ (where the cluster started), iterations and converged_at_iteration.
    No rows when there were no points; while dbt only parses or documents the project, a query of
    the right columns and no rows. -#}
{% macro kmeans_centroid_rows(fit, feature_columns) -%}
    {%- set rows = [] -%}
    {%- for centroid in fit.centroids -%}
        {%- set values = [loop.index ~ ' as cluster_id'] -%}
        {%- for value in centroid -%}
            {%- do values.append(kmeans_number(value) ~ ' as ' ~ feature_columns[loop.index0]) -%}
        {%- endfor -%}
        {%- for value in fit.initial[loop.index0] -%}
            {%- do values.append(kmeans_number(value) ~ ' as initial_' ~ feature_columns[loop.index0]) -%}
        {%- endfor -%}
        {%- do values.append(fit.iterations ~ ' as iterations') -%}
        {%- do values.append((fit.converged_at_iteration if fit.converged_at_iteration is not none
                              else 'null') ~ ' as converged_at_iteration') -%}
        {%- do rows.append('select ' ~ values | join(', ')) -%}
    {%- endfor -%}
    {%- if not rows -%}
        {%- set values = ['1 as cluster_id'] -%}
        {%- for prefix in ['', 'initial_'] %}{% for column in feature_columns -%}
            {%- do values.append(kmeans_number(0) ~ ' as ' ~ prefix ~ column) -%}
        {%- endfor %}{% endfor -%}
        {%- do values.append('0 as iterations') -%}
        {%- do values.append('0 as converged_at_iteration') -%}
        {%- do rows.append('-- No centroids: no points, or a command that runs no fit (dbt docs generate).\n'
                           ~ 'select * from (select ' ~ values | join(', ')
                           ~ ') as no_points where 1 = 0') -%}
    {%- endif -%}
    {{ return(rows | join('\nunion all\n')) }}
{%- endmacro %}


{#- The columns of a centroids model, typed, from the rows of kmeans_centroid_rows: cluster_id,
    the final and the initial_ centroid, iterations, converged_at_iteration. -#}
{% macro kmeans_centroid_columns(feature_columns) -%}
    {%- set bigint = dbt.type_bigint() -%}
    {%- set columns = ['cast(cluster_id as ' ~ bigint ~ ') as cluster_id'] -%}
    {%- for prefix in ['', 'initial_'] %}{% for column in feature_columns -%}
        {%- set name = prefix ~ column -%}
        {%- do columns.append('cast(' ~ name ~ ' as ' ~ type_double() ~ ') as ' ~ name) -%}
    {%- endfor %}{% endfor -%}
    {%- for name in ['iterations', 'converged_at_iteration'] -%}
        {%- do columns.append('cast(' ~ name ~ ' as ' ~ bigint ~ ') as ' ~ name) -%}
    {%- endfor -%}
    {{ return(columns | join(',\n')) }}
{%- endmacro %}


{#- The centroids model's k rows as the one row of c<c>_x<d> that kmeans_assignment_sql reads. -#}
{% macro kmeans_centroid_row(centroids, feature_columns, k) -%}
    select
    {%- for c in range(1, k + 1) %}
        {%- set outer = loop %}
        {%- for column in feature_columns %}
        max(case when cluster_id = {{ c }} then {{ column }} end) as c{{ c }}_x{{ loop.index }}
        {{- "," if not (loop.last and outer.last) }}
        {%- endfor %}
    {%- endfor %}
    from {{ centroids }}
{%- endmacro %}
