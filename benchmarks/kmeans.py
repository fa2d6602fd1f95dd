"""SQL K-means (customer_clusters, dbt on SQLite) against scikit-learn on the same features.

    .venv/bin/python benchmarks/kmeans.py [--sizes 10000 100000 1000000]

For each size it writes a customer_features table of that many customers (four scaled features
drawn around five centres) into a temporary warehouse, times `dbt run --select customer_clusters`
and scikit-learn's KMeans (same initial centroids, n_init=1, algorithm="lloyd", tol=0, the same
iteration cap), and prints both times, their ratio and whether the labels are identical.
A benchmark, not a test: it prints figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans

REPO = Path(__file__).resolve().parents[1]
FEATURES = [
    "total_sales_amount_scaled",
    "number_of_orders_scaled",
    "average_order_value_scaled",
    "days_since_last_activity_scaled",
]
K = 4
ITERATIONS = 40


def features(n: int, rng: np.random.Generator) -> pd.DataFrame:
    centres = rng.random((5, len(FEATURES)))
    points = np.clip(centres[rng.integers(0, 5, n)] + rng.normal(0, 0.12, (n, len(FEATURES))), 0, 1)
    frame = pd.DataFrame(points, columns=FEATURES)
    frame.insert(0, "customer_id", np.arange(1, n + 1))
    return frame


def sql_kmeans(frame: pd.DataFrame, warehouse_dir: Path) -> tuple[float, np.ndarray, str]:
    with sqlite3.connect(warehouse_dir / "segments.db") as connection:
        frame.to_sql("customer_features", connection, if_exists="replace", index=False)
    env = {**os.environ, "SEGMENTS_WAREHOUSE_DIR": str(warehouse_dir), "DBT_PROFILES_DIR": str(REPO)}
    started = time.perf_counter()
    subprocess.run(
        [
            str(Path(sys.executable).parent / "dbt"),
            "--quiet",
            "run",
            "--select",
            "customer_clusters",
            "--vars",
            f"{{cluster_k: {K}, kmeans_iterations: {ITERATIONS}}}",
        ],
        cwd=REPO,
        env=env,
        check=True,
    )
    elapsed = time.perf_counter() - started
    with sqlite3.connect(warehouse_dir / "segments.db") as connection:
        labels = pd.read_sql_query(
            "select cluster_id, converged_at_iteration from customer_clusters order by customer_id",
            connection,
        )
    converged = labels["converged_at_iteration"].max()
    iterations = "not converged" if pd.isna(converged) else str(int(converged))
    return elapsed, labels["cluster_id"].to_numpy() - 1, iterations


def sklearn_kmeans(frame: pd.DataFrame) -> tuple[float, np.ndarray, int]:
    points = frame[FEATURES].to_numpy()
    order = np.lexsort((frame["customer_id"].to_numpy(), points[:, 0]))
    init = points[order[[int((c - 0.5) * len(frame) / K) for c in range(1, K + 1)]]]
    started = time.perf_counter()
    model = KMeans(n_clusters=K, init=init, n_init=1, algorithm="lloyd", max_iter=ITERATIONS, tol=0).fit(
        points
    )
    return time.perf_counter() - started, model.labels_, int(model.n_iter_)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    args = parser.parse_args()
    rng = np.random.default_rng(42)
    print(
        f"{'customers':>10} {'SQL s':>8} {'sklearn s':>10} {'ratio':>7} {'same labels':>12}"
        f" {'SQL iterations':>15} {'sklearn iterations':>19}"
    )
    for n in args.sizes:
        frame = features(n, rng)
        with tempfile.TemporaryDirectory() as warehouse_dir:
            sql_seconds, sql_labels, sql_iterations = sql_kmeans(frame, Path(warehouse_dir))
        sk_seconds, sk_labels, sk_iterations = sklearn_kmeans(frame)
        same = bool((sql_labels == sk_labels).all())
        print(
            f"{n:>10,} {sql_seconds:>8.2f} {sk_seconds:>10.3f} {sql_seconds / sk_seconds:>7.1f} {same!s:>12}"
            f" {sql_iterations:>15} {sk_iterations:>19}"
        )


if __name__ == "__main__":
    main()
