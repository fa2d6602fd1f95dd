"""The SQL K-means against scikit-learn: same initial centroids, same labels, same centroids
(within 1e-9), at the default scale and at 100,000 customers."""

from __future__ import annotations

import sqlite3

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans
from support import DbtProject, copy_project

FEATURES = [
    "total_sales_amount_scaled",
    "number_of_orders_scaled",
    "average_order_value_scaled",
    "days_since_last_activity_scaled",
]
# dbt_project.yml defaults: cluster_k 4, kmeans_iterations 40.
CLUSTERINGS = {
    "customer_clusters": ("cluster_id", FEATURES, 4),
    "customer_vip": ("vip_cluster_id", FEATURES[:3], 2),
}
ITERATIONS = 40


def sklearn_oracle(points: np.ndarray, ids: np.ndarray, k: int) -> KMeans:
    """scikit-learn's Lloyd from the documented initialisation: quantiles of the first feature."""
    order = np.lexsort((ids, points[:, 0]))
    init = points[order[[int((c - 0.5) * len(points) / k) for c in range(1, k + 1)]]]
    return KMeans(n_clusters=k, init=init, n_init=1, algorithm="lloyd", max_iter=ITERATIONS, tol=0).fit(
        points
    )


def assert_matches_sklearn(project: DbtProject) -> None:
    for model, (cluster_column, features, k) in CLUSTERINGS.items():
        rows = project.query(
            f"select features.customer_id, {', '.join('features.' + f for f in features)},"
            f" clusters.{cluster_column}"
            f" from customer_features as features inner join {model} as clusters"
            " on features.customer_id = clusters.customer_id order by features.customer_id"
        )
        ids = np.array([row[0] for row in rows])
        points = np.array([row[1:-1] for row in rows], dtype=float)
        sql_labels = np.array([row[-1] for row in rows]) - 1
        oracle = sklearn_oracle(points, ids, k)
        assert (sql_labels == oracle.labels_).all(), f"{model}: labels differ from scikit-learn"
        sql_centroids = np.array([points[sql_labels == c].mean(axis=0) for c in range(k)])
        assert np.abs(sql_centroids - oracle.cluster_centers_).max() < 1e-9, model
        assert oracle.n_iter_ < ITERATIONS, f"{model}: scikit-learn did not converge either"


def test_default_scale_matches_sklearn(built_project):
    assert_matches_sklearn(built_project)


def test_sql_reports_when_it_converged(built_project):
    converged = built_project.query("select distinct converged_at_iteration from customer_clusters")
    assert len(converged) == 1
    (iteration,) = converged[0]
    assert iteration is not None and 1 <= iteration < ITERATIONS


def test_cluster_profiles_hold_the_final_centroids(built_project):
    profiles = dict(
        built_project.query("select cluster_id, centroid_total_sales_amount from customer_cluster_profiles")
    )
    means = dict(
        built_project.query(
            "select clusters.cluster_id, avg(features.total_sales_amount_scaled)"
            " from customer_clusters as clusters inner join customer_features as features"
            " on clusters.customer_id = features.customer_id group by clusters.cluster_id"
        )
    )
    assert profiles == pytest.approx(means)
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
