"""The SQL K-means fit (customer_cluster_centroids) on SQLite and DuckDB beside scikit-learn and
beside each engine's floor per iteration.

    .venv/bin/python benchmarks/kmeans.py [--sizes 10000 100000 1000000] [--engines sqlite duckdb spark]

For each size it writes a customer_features table of that many customers (four scaled features
drawn around five centres, numpy seed 42) into a temporary warehouse of each engine and runs
`dbt run --select customer_cluster_centroids` there. The fit's times come from the line kmeans_fit
writes to dbt's log (initialisation, iterations and their time). Beside it:
- scikit-learn's KMeans from the same initial centroids (n_init=1, algorithm="lloyd", tol=0, the
  same iteration cap; the best of five fits, once per size): its time, its iterations and the
  largest difference between its centroids and the fit's;
- each engine's floor, in the same run: one select that computes the k squared distances of
  every point to the final centroids and nothing else (`select min(d1), ..., min(dk)` over the
  same points query the fit reads), the best of three.
Spark (local) runs once, on the default demo data (dbt seed, then dbt run of +customer_clusters):
its line gives the fit's and the assignment's times from dbt's run_results.json. DuckDB and Spark
need .venv-duckdb and .venv-spark (make test-engines creates them). A benchmark, not a test: it
prints figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sqlite3
import subprocess
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
MAX_ITERATIONS = 300
DBT = {
    "sqlite": REPO / ".venv" / "bin" / "dbt",
    "duckdb": REPO / ".venv-duckdb" / "bin" / "dbt",
    "spark": REPO / ".venv-spark" / "bin" / "dbt",
}
# What a copy of the project for the Spark run leaves behind.
COPY_IGNORE = shutil.ignore_patterns(".venv*", ".git", "target", "logs", "warehouse", "*.csv", "__pycache__")
FIT_LINE = re.compile(
    r"kmeans_fit of .*: k=(\d+), (\d+) points, init \w+\+* in ([\d.]+) s, (\d+) iterations in ([\d.]+) s,"
    r" converged at (\w+)"
)


def features(n: int, rng: np.random.Generator) -> pd.DataFrame:
    centres = rng.random((5, len(FEATURES)))
    points = np.clip(centres[rng.integers(0, 5, n)] + rng.normal(0, 0.12, (n, len(FEATURES))), 0, 1)
    frame = pd.DataFrame(points, columns=FEATURES)
    frame.insert(0, "customer_id", np.arange(1, n + 1))
    return frame


def duckdb_python(script: str, warehouse: Path, *args: str) -> str:
    """`script` run by the DuckDB venv's python (this one has no duckdb) with the warehouse's
    DuckDB file and `args` as its arguments; its standard output."""
    python = DBT["duckdb"].parent / "python"
    return subprocess.run(
        [str(python), "-c", script, str(warehouse / "segments.duckdb"), *args],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def write_features(engine: str, frame: pd.DataFrame, warehouse: Path) -> None:
    if engine == "sqlite":
        with sqlite3.connect(warehouse / "segments.db") as connection:
            frame.to_sql("customer_features", connection, index=False)
        return
    csv = warehouse / "customer_features.csv"
    frame.to_csv(csv, index=False, float_format="%.17g")
    script = (
        "import duckdb, sys; connection = duckdb.connect(sys.argv[1]);"
        " connection.execute(f\"create table customer_features as select * from read_csv('{sys.argv[2]}',"
        " header=true, columns={{'customer_id': 'BIGINT', "
        + ", ".join(f"'{f}': 'DOUBLE'" for f in FEATURES)
        + '}})")'
    )
    duckdb_python(script, warehouse, str(csv))


def run_fit(engine: str, warehouse: Path) -> dict[str, float]:
    """dbt run of customer_cluster_centroids; the fit's figures from dbt's log, and the whole run."""
    logs = warehouse / "logs"
    env = {**os.environ, "SEGMENTS_WAREHOUSE_DIR": str(warehouse), "DBT_PROFILES_DIR": str(REPO)}
    started = time.perf_counter()
    subprocess.run(
        [
            str(DBT[engine]),
            "--quiet",
            "run",
            "--select",
            "customer_cluster_centroids",
            "--target",
            engine,
            "--log-path",
            str(logs),
        ],
        cwd=REPO,
        env=env,
        check=True,
    )
    elapsed = time.perf_counter() - started
    (line,) = [line for line in (logs / "dbt.log").read_text().splitlines() if FIT_LINE.search(line)][-1:]
    _k, points, init_s, iterations, loop_s, converged = FIT_LINE.search(line).groups()
    return {
        "points": int(points),
        "init_s": float(init_s),
        "iterations": int(iterations),
        "loop_s": float(loop_s),
        "converged": converged != "None",
        "dbt_run_s": elapsed,
    }


def read_centroids(engine: str, warehouse: Path) -> tuple[np.ndarray, np.ndarray]:
    columns = ", ".join([*("initial_" + f for f in FEATURES), *FEATURES])
    query = f"select {columns} from customer_cluster_centroids order by cluster_id"
    if engine == "sqlite":
        with sqlite3.connect(warehouse / "segments.db") as connection:
            rows = np.array(connection.execute(query).fetchall(), dtype=float)
    else:
        script = (
            "import duckdb, sys, json; print(json.dumps(duckdb.connect(sys.argv[1], read_only=True)"
            ".execute(sys.argv[2]).fetchall()))"
        )
        output = duckdb_python(script, warehouse, query)
        rows = np.array(json.loads(output), dtype=float)
    return rows[:, : len(FEATURES)], rows[:, len(FEATURES) :]


FLOOR_SCRIPT = """
import sys, time, duckdb
connection = duckdb.connect(sys.argv[1], read_only=True)
best = float("inf")
for _ in range(3):
    started = time.perf_counter()
    connection.execute(sys.argv[2]).fetchall()
    best = min(best, time.perf_counter() - started)
print(best)
"""


def floor(engine: str, warehouse: Path, centroids: np.ndarray) -> float:
    """The engine's floor: one select of the k squared distances of every point to `centroids` and
    nothing else, over the points query the fit reads; the best of three."""
    double = "real" if engine == "sqlite" else "double"
    points = (
        "select cast(customer_id as bigint) as point_id, "
        + ", ".join(f"cast({f} as {double}) as x{i}" for i, f in enumerate(FEATURES, 1))
        + " from customer_features"
    )
    distances = [
        " + ".join(f"(x{d} - {value!r}) * (x{d} - {value!r})" for d, value in enumerate(centroid, 1))
        for centroid in centroids.tolist()
    ]
    query = f"select {', '.join(f'min({d})' for d in distances)} from ({points}) as points"
    if engine == "duckdb":
        return float(duckdb_python(FLOOR_SCRIPT, warehouse, query))
    best = float("inf")
    with sqlite3.connect(warehouse / "segments.db") as connection:
        for _ in range(3):
            started = time.perf_counter()
            connection.execute(query).fetchall()
            best = min(best, time.perf_counter() - started)
    return best


def sklearn_fit(frame: pd.DataFrame, initial: np.ndarray) -> tuple[float, KMeans]:
    """scikit-learn from the same initial centroids; the best of five fits."""
    points = frame[FEATURES].to_numpy()
    best = float("inf")
    for _ in range(5):
        model = KMeans(
            n_clusters=K, init=initial, n_init=1, algorithm="lloyd", max_iter=MAX_ITERATIONS, tol=0
        )
        started = time.perf_counter()
        model.fit(points)
        best = min(best, time.perf_counter() - started)
    return best, model


def spark_default_clusters() -> None:
    """customer_clusters on Spark (local) on the default demo data: dbt seed, then dbt run of
    +customer_clusters; the fit's and the assignment's times from dbt's run_results.json."""
    with tempfile.TemporaryDirectory() as folder:
        project = Path(folder) / "segments"
        shutil.copytree(REPO, project, ignore=COPY_IGNORE)
        env = {
            **os.environ,
            "SEGMENTS_WAREHOUSE_DIR": str(project / "warehouse"),
            "DBT_PROFILES_DIR": str(project),
        }
        python = REPO / ".venv" / "bin" / "python"
        subprocess.run(
            [str(python), "-m", "seeds_gen", "--as-of", "2026-06-30"],
            cwd=project,
            env=env,
            check=True,
            capture_output=True,
        )
        dbt = [str(DBT["spark"]), "--quiet", "--target", "spark"]
        subprocess.run([*dbt, "seed"], cwd=project, env=env, check=True)
        subprocess.run([*dbt, "run", "--select", "+customer_clusters"], cwd=project, env=env, check=True)
        results = json.loads((project / "target" / "run_results.json").read_text())["results"]
        seconds = {r["unique_id"].split(".")[-1]: r["execution_time"] for r in results}
        (line,) = [
            line for line in (project / "logs" / "dbt.log").read_text().splitlines() if FIT_LINE.search(line)
        ]
    _k, points, _init_s, iterations, _loop_s, _converged = FIT_LINE.search(line).groups()
    fit, assign = seconds["customer_cluster_centroids"], seconds["customer_clusters"]
    print(
        f"spark, default data ({points} customers): customer_cluster_centroids {fit:.2f} s"
        f" ({iterations} iterations) + customer_clusters {assign:.2f} s = {fit + assign:.2f} s"
        " (dbt's run_results.json)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--engines", nargs="+", choices=sorted(DBT), default=["sqlite", "duckdb", "spark"])
    args = parser.parse_args()
    rng = np.random.default_rng(42)
    print(
        f"{'engine':>7} {'customers':>10} {'iterations':>10} {'init s':>7} {'fit s':>8} {'s/iteration':>11}"
        f" {'floor s':>8} {'÷ floor':>8} {'sklearn s':>9} {'sk iter':>7} {'fit ÷ sk':>8} {'max |Δc|':>9}"
        f" {'dbt run s':>9}"
    )
    for n in args.sizes:
        frame = features(n, rng)
        sklearn: tuple[float, KMeans] | None = None
        for engine in [engine for engine in args.engines if engine != "spark"]:
            with tempfile.TemporaryDirectory() as folder:
                warehouse = Path(folder)
                write_features(engine, frame, warehouse)
                fit = run_fit(engine, warehouse)
                initial, final = read_centroids(engine, warehouse)
                floor_seconds = floor(engine, warehouse, final)
            # Once per size, from the first engine's initial centroids (every engine's are the same).
            sklearn = sklearn or sklearn_fit(frame, initial)
            sk_seconds, model = sklearn
            per_iteration = fit["loop_s"] / fit["iterations"]
            fit_seconds = fit["init_s"] + fit["loop_s"]
            print(
                f"{engine:>7} {n:>10,} {fit['iterations']:>10}{'' if fit['converged'] else '*'}"
                f" {fit['init_s']:>7.3f} {fit_seconds:>8.2f} {per_iteration:>11.4f}"
                f" {floor_seconds:>8.4f} {per_iteration / floor_seconds:>8.2f}"
                f" {sk_seconds:>9.3f} {model.n_iter_:>7} {fit_seconds / sk_seconds:>8.1f}"
                f" {np.abs(final - model.cluster_centers_).max():>9.1e} {fit['dbt_run_s']:>9.1f}",
                flush=True,
            )
    print("fit s = init s + the iterations' time, from kmeans_fit's line in dbt's log; * = not converged")
    if "spark" in args.engines:
        spark_default_clusters()


if __name__ == "__main__":
    main()
