"""The baselines benchmarks/scale.py sets the pipeline against; each prints its seconds.

    python benchmarks/baselines.py executemany SEEDS_DIR   # every CSV into a fresh SQLite file
    python benchmarks/baselines.py pandas SEEDS_DIR        # customer_segments in pandas

executemany: the rows already parsed into memory (the floor: no CSV reading in the time), one
plain executemany per table in one transaction, every column as text.
pandas: read customers.csv and orders.csv, total each customer's orders in cents, merge (every
customer kept), segment with the project's thresholds: the straightforward version of the model.
"""

from __future__ import annotations

import csv
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

REPO = Path(__file__).resolve().parents[1]
TABLES = ["customers", "orders", "products", "order_items", "customer_feedback"]


def executemany(seeds: Path) -> float:
    parsed = {}
    for table in TABLES:
        with open(seeds / f"{table}.csv", newline="", encoding="utf-8") as stream:
            reader = csv.reader(stream)
            parsed[table] = (next(reader), list(reader))
    with (
        tempfile.TemporaryDirectory() as scratch,
        sqlite3.connect(Path(scratch) / "baseline.db") as connection,
    ):
        connection.isolation_level = None
        started = time.perf_counter()
        connection.execute("begin")
        for table, (header, rows) in parsed.items():
            connection.execute(f"create table {table} ({', '.join(header)})")
            connection.executemany(f"insert into {table} values ({', '.join('?' * len(header))})", rows)
        connection.execute("commit")
        return time.perf_counter() - started


def thresholds() -> tuple[int, int]:
    variables = yaml.safe_load((REPO / "dbt_project.yml").read_text())["vars"]
    return variables["high_value_threshold"] * 100, variables["medium_value_threshold"] * 100


def pandas_segments(seeds: Path) -> float:
    high, medium = thresholds()
    started = time.perf_counter()
    customers = pd.read_csv(
        seeds / "customers.csv", usecols=["customer_id", "customer_name", "registration_date"]
    )
    orders = pd.read_csv(seeds / "orders.csv", usecols=["customer_id", "amount"])
    orders["cents"] = np.rint(orders["amount"] * 100).astype(np.int64)
    totals = orders.groupby("customer_id").agg(
        total_cents=("cents", "sum"), number_of_orders=("cents", "size")
    )
    segments = customers.merge(totals, how="left", left_on="customer_id", right_index=True)
    cents = segments["total_cents"].fillna(0).astype(np.int64)
    segments["number_of_orders"] = segments["number_of_orders"].fillna(0).astype(np.int64)
    segments["total_sales_amount"] = cents / 100
    segments["customer_segment"] = np.select(
        [cents > high, cents >= medium, cents > 0],
        ["High-Value", "Medium-Value", "Low-Value"],
        "No-Orders",
    )
    elapsed = time.perf_counter() - started
    assert len(segments) == len(customers)
    return elapsed


if __name__ == "__main__":
    which, seeds = sys.argv[1], Path(sys.argv[2])
    print(f"{(executemany if which == 'executemany' else pandas_segments)(seeds):.4f}")
