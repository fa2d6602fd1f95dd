"""The SQL K-means against scikit-learn: from the same initial centroids, the same labels, the
same centroids (within 1e-9) and the same number of iterations, at the default scale, at 100,000
customers and on a data set that needs more than 60 iterations; both initialisations (quantiles
and the seeded k-means++) recomputed here from their documented definitions."""

from __future__ import annotations

import sqlite3

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from support import DbtProject, copy_project

FEATURES = [
    "total_sales_amount_scaled",
    "number_of_orders_scaled",
    "average_order_value_scaled",
    "days_since_last_activity_scaled",
]
# model -> (its centroids model, its cluster column, its features, k as dbt_project.yml sets it)
CLUSTERINGS = {
    "customer_clusters": ("customer_cluster_centroids", "cluster_id", FEATURES, 4),
    "customer_vip": ("customer_vip_centroids", "vip_cluster_id", FEATURES[:3], 2),
}
MAX_ITERATIONS = 300  # dbt_project.yml: kmeans_max_iterations
CLUSTER_MODELS = ["customer_cluster_centroids", "customer_clusters", "customer_vip_centroids", "customer_vip"]


def quantile_init(points: np.ndarray, ids: np.ndarray, k: int) -> np.ndarray:
    """The documented quantile initialisation: by the first feature, then the id, cluster c of k
    at position floor((c - 0.5) n / k) + 1."""
    order = np.lexsort((ids, points[:, 0]))
    return points[order[[int((c - 0.5) * len(points) / k) for c in range(1, k + 1)]]]


def lcg_draws(seed: int, n: int) -> list[float]:
    """The documented draws: MMIX's 64-bit LCG from the seed, the top 53 bits of each state / 2^53."""
    draws, state = [], seed
    for _ in range(n):
        state = (6364136223846793005 * state + 1442695040888963407) % 2**64
        draws.append((state >> 11) / 2**53)
    return draws


def kmeans_plus_plus_init(points: np.ndarray, ids: np.ndarray, k: int, seed: int) -> np.ndarray:
    """The documented k-means++: points in id order; each centroid is the first point whose running
    total of weights exceeds draw x total, the weights 1 for the first and then each point's
    squared distance to the nearest centroid chosen so far."""
    points = points[np.argsort(ids)]
    chosen: list[np.ndarray] = []
    for draw in lcg_draws(seed, k):
        if chosen:
            # Summed term by term in column order, as the SQL expression does.
            distances = [sum((points[:, d] - c[d]) ** 2 for d in range(points.shape[1])) for c in chosen]
            weights = np.minimum.reduce(distances)
        else:
            weights = np.ones(len(points))
        running = np.cumsum(weights)
        chosen.append(points[np.searchsorted(running, draw * running[-1], side="right")])
    return np.array(chosen)


def read_fit(
    project: DbtProject, model: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int | None]:
    """Ids, points and SQL labels (0-based) of a clustering, its initial and final centroids and
    converged_at_iteration."""
    centroids_model, cluster_column, features, _ = CLUSTERINGS[model]
    rows = project.query(
        f"select features.customer_id, {', '.join('features.' + f for f in features)},"
        f" clusters.{cluster_column}"
        f" from customer_features as features inner join {model} as clusters"
        " on features.customer_id = clusters.customer_id order by features.customer_id"
    )
    ids = np.array([row[0] for row in rows])
    points = np.array([row[1:-1] for row in rows], dtype=float)
    labels = np.array([row[-1] for row in rows]) - 1
    fit = project.query(
        f"select {', '.join('initial_' + f for f in features)}, {', '.join(features)}, converged_at_iteration"
        f" from {centroids_model} order by cluster_id"
    )
    initial = np.array([row[: len(features)] for row in fit], dtype=float)
    final = np.array([row[len(features) : 2 * len(features)] for row in fit], dtype=float)
    return ids, points, labels, np.stack([initial, final]), fit[0][-1]


def assert_matches_sklearn(project: DbtProject, init: str = "quantiles", seed: int = 42) -> list[int]:
    """Both clusterings equal scikit-learn's Lloyd from the documented initial centroids; returns
    the iterations each took."""
    iterations = []
    for model, (_, _, _, k) in CLUSTERINGS.items():
        ids, points, labels, (initial, final), converged_at = read_fit(project, model)
        expected_init = (
            quantile_init(points, ids, k)
            if init == "quantiles"
            else kmeans_plus_plus_init(points, ids, k, seed)
        )
        assert np.array_equal(initial, expected_init), (
            f"{model}: initial centroids differ from the definition"
        )
        oracle = KMeans(
            n_clusters=k, init=initial, n_init=1, algorithm="lloyd", max_iter=MAX_ITERATIONS, tol=0
        )
        oracle.fit(points)
        assert oracle.n_iter_ < MAX_ITERATIONS, f"{model}: scikit-learn did not converge either"
        assert (labels == oracle.labels_).all(), f"{model}: {(labels != oracle.labels_).sum()} labels differ"
        assert np.abs(final - oracle.cluster_centers_).max() < 1e-9, model
        assert converged_at == oracle.n_iter_, (
            f"{model}: converged at {converged_at}, scikit-learn {oracle.n_iter_}"
        )
        iterations.append(converged_at)
    return iterations


def test_default_scale_matches_sklearn(built_project):
    assert_matches_sklearn(built_project)


def test_every_customer_has_the_same_converged_iteration(built_project):
    converged = built_project.query("select distinct converged_at_iteration from customer_clusters")
    assert len(converged) == 1 and converged[0][0] is not None


def test_cluster_profiles_hold_the_final_centroids(built_project):
    profiles = dict(
        built_project.query("select cluster_id, centroid_total_sales_amount from customer_cluster_profiles")
    )
    centroids = dict(
        built_project.query("select cluster_id, total_sales_amount_scaled from customer_cluster_centroids")
    )
    assert profiles == pytest.approx(centroids, abs=1e-12)
    labels = [
        label
        for (label,) in built_project.query(
            "select cluster_label from customer_cluster_profiles order by spend_rank"
        )
    ]
    assert labels == [f"Cluster {letter}" for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[: len(labels)]]


def test_vip_is_the_higher_spending_cluster(built_project):
    spend = dict(
        built_project.query(
            "select vip.is_vip, avg(features.total_sales_amount) from customer_vip as vip"
            " inner join customer_features as features on vip.customer_id = features.customer_id"
            " group by vip.is_vip"
        )
    )
    assert spend[1] > spend[0]


def features_project(
    tmp_path_factory: pytest.TempPathFactory, name: str, features: pd.DataFrame
) -> DbtProject:
    """A project whose warehouse holds only a customer_features table, as the mart would be."""
    project = copy_project(tmp_path_factory.mktemp(name) / "segments")
    project.warehouse.parent.mkdir(exist_ok=True)
    with sqlite3.connect(project.warehouse) as connection:
        features.to_sql("customer_features", connection, index=False)
    return project


@pytest.fixture(scope="module")
def slow_to_converge(tmp_path_factory) -> DbtProject:
    """5,000 customers whose features are one Gaussian blob (numpy seed 1), clipped to [0, 1]:
    no clusters to find, so Lloyd's algorithm creeps. From the quantile initialisation,
    scikit-learn needs 109 iterations for k = 4 and 46 for k = 2."""
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(np.clip(rng.normal(0.5, 0.15, (5000, 4)), 0, 1), columns=FEATURES)
    frame.insert(0, "customer_id", np.arange(1, 5001))
    frame["total_sales_amount"] = frame["total_sales_amount_scaled"] * 1000
    return features_project(tmp_path_factory, "slow", frame)


def run_clusters(project: DbtProject, variables: str = "{}") -> None:
    result = project.dbt("run", "--select", *CLUSTER_MODELS, "--vars", variables)
    assert result.returncode == 0, result.stdout[-3000:]


def test_more_than_60_iterations_match_sklearn(slow_to_converge):
    run_clusters(slow_to_converge)
    iterations = assert_matches_sklearn(slow_to_converge)
    assert iterations[0] > 60, iterations


def test_kmeans_plus_plus_matches_sklearn_from_its_seeded_centroids(slow_to_converge):
    run_clusters(slow_to_converge, "{kmeans_init: kmeans++, kmeans_seed: 7}")
    assert_matches_sklearn(slow_to_converge, init="kmeans++", seed=7)
    first = slow_to_converge.query("select initial_total_sales_amount_scaled from customer_cluster_centroids")
    run_clusters(slow_to_converge, "{kmeans_init: kmeans++, kmeans_seed: 8}")
    assert_matches_sklearn(slow_to_converge, init="kmeans++", seed=8)
    second = slow_to_converge.query(
        "select initial_total_sales_amount_scaled from customer_cluster_centroids"
    )
    assert first != second, "another seed should start elsewhere"


def test_a_fit_stopped_at_the_maximum_warns_by_name(slow_to_converge):
    run_clusters(slow_to_converge, "{kmeans_max_iterations: 5}")
    ((iterations, converged),) = slow_to_converge.query(
        "select distinct iterations, converged_at_iteration from customer_cluster_centroids"
    )
    assert (iterations, converged) == (5, None)
    tested = slow_to_converge.dbt("test", "--select", "customer_cluster_centroids")
    assert tested.returncode == 0, tested.stdout[-3000:]
    assert "Warning in test kmeans_converged" in tested.stdout, tested.stdout[-3000:]


def assert_k_evaluation_matches_sklearn(project: DbtProject, sample_size: int = 1000) -> None:
    """cluster_k_evaluation: its sample is the documented one, and for k = 2..8 its inertia and
    mean silhouette are scikit-learn's for a fit from the same initial centroids."""
    rows = project.query(
        f"select customer_id, {', '.join(FEATURES)} from customer_features order by customer_id"
    )
    n = len(rows)
    kept = [p for p in range(n) if p == 0 or (p * sample_size) // n != ((p - 1) * sample_size) // n]
    ids = np.array([rows[p][0] for p in kept])
    points = np.array([rows[p][1:] for p in kept], dtype=float)
    sampled = [
        customer_id for (customer_id,) in project.query("select customer_id from customer_features_sample")
    ]
    assert sorted(sampled) == ids.tolist()
    evaluation = project.query(
        "select k, customers_sampled, inertia, silhouette, converged_at_iteration"
        " from cluster_k_evaluation order by k"
    )
    assert [row[0] for row in evaluation] == list(range(2, 9))
    for k, customers_sampled, inertia, silhouette, converged_at in evaluation:
        oracle = KMeans(
            n_clusters=k,
            init=quantile_init(points, ids, k),
            n_init=1,
            algorithm="lloyd",
            max_iter=MAX_ITERATIONS,
            tol=0,
        ).fit(points)
        assert customers_sampled == len(ids)
        assert converged_at == oracle.n_iter_, k
        assert inertia == pytest.approx(oracle.inertia_, rel=1e-9), k
        assert silhouette == pytest.approx(silhouette_score(points, oracle.labels_), abs=1e-9), k


def test_k_evaluation_matches_sklearn_at_the_default_scale(built_project):
    assert_k_evaluation_matches_sklearn(built_project)


def test_k_evaluation_samples_a_larger_population(slow_to_converge):
    result = slow_to_converge.dbt(
        "run",
        "--select",
        "customer_features_sample",
        "cluster_k_evaluation",
        "--vars",
        "{kmeans_sample_size: 400}",
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert_k_evaluation_matches_sklearn(slow_to_converge, sample_size=400)
    (count,) = slow_to_converge.query("select count(*) from customer_features_sample")[0]
    assert count == 400


@pytest.fixture(scope="module")
def large_project(tmp_path_factory) -> DbtProject:
    """100,000 customers. The raw tables are loaded with pandas: stock `dbt seed` would take
    minutes, and these tests are about the models, not the loader."""
    project = copy_project(tmp_path_factory.mktemp("large") / "segments")
    generated = project.generate("--customers", "100000", "--orders", "300000", "--products", "100")
    assert generated.returncode == 0, generated.stderr
    project.warehouse.parent.mkdir(exist_ok=True)
    with sqlite3.connect(project.warehouse) as connection:
        for table in ("customers", "orders"):
            pd.read_csv(project.root / "seeds" / f"{table}.csv").to_sql(table, connection, index=False)
    result = project.dbt("run", "--select", "+customer_clusters", "+customer_vip")
    assert result.returncode == 0, result.stdout[-3000:]
    return project


def test_100k_customers_match_sklearn(large_project):
    (count,) = large_project.query("select count(*) from customer_features")[0]
    assert count == 100_000
    assert_matches_sklearn(large_project)
