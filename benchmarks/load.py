"""Bulk load (python -m segments.bulk_load) against a plain sqlite3 executemany in one transaction.

    .venv/bin/python benchmarks/load.py [--sizes 100000 1000000]

For each size it generates that many orders (and the rest of a data set, one customer per ten
orders) into a temporary directory, then loads orders.csv three ways into fresh warehouses:
a plain `executemany` of rows already parsed into memory (the floor: no CSV reading, no checks), the
same `executemany` streaming straight from csv.reader, and `python -m segments.bulk_load --tables orders`
(a separate process, so its peak memory is its own; it also checks every value's format). It prints
the times, bulk_load's ratio to the plain floor, and bulk_load's peak memory; then the time of
`python -m segments.bulk_load` loading the whole folder (all five tables, two processes, one transaction).
A benchmark, not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import csv
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ORDERS_TABLE = (
    "create table orders"
    " (order_id integer, customer_id integer, order_date varchar(10000), amount decimal(12, 2))"
)


def generate(directory: Path, orders: int) -> None:
    counts = ["--customers", str(max(orders // 10, 10)), "--orders", str(orders)]
    subprocess.run(
        [sys.executable, "-m", "seeds_gen", *counts, "--out", str(directory), "--as-of", "2026-06-30"],
        cwd=REPO,
        check=True,
        capture_output=True,
    )


def plain_executemany(path: Path, rows: list[list[str]]) -> float:
    with sqlite3.connect(path, isolation_level=None) as connection:
        started = time.perf_counter()
        connection.execute("begin")
        connection.execute(ORDERS_TABLE)
        connection.executemany("insert into orders values (?, ?, ?, ?)", rows)
        connection.execute("commit")
        return time.perf_counter() - started


def streamed_executemany(path: Path, csv_path: Path) -> float:
    with sqlite3.connect(path, isolation_level=None) as connection, open(csv_path, newline="") as stream:
        started = time.perf_counter()
        reader = csv.reader(stream)
        next(reader)
        connection.execute("begin")
        connection.execute(ORDERS_TABLE)
        connection.executemany("insert into orders values (?, ?, ?, ?)", reader)
        connection.execute("commit")
        return time.perf_counter() - started


# Runs bulk_load in a child process, then prints the child's own peak memory in KiB: VmHWM of its
# address space (ru_maxrss would carry over this parent's peak across fork and exec on Linux).
MEASURED_BULK_LOAD = (
    "import re; from segments.bulk_load.cli import main; main(); "
    "print(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1))"
)


def bulk_load(path: Path, data: Path, *tables: str) -> tuple[float, float]:
    started = time.perf_counter()
    arguments = ["--data-dir", str(data), "--warehouse", str(path)]
    if tables:
        arguments += ["--tables", *tables]
    result = subprocess.run(
        [sys.executable, "-c", MEASURED_BULK_LOAD, *arguments],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        check=True,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - started
    return elapsed, int(result.stdout.split()[-1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    args = parser.parse_args()
    print(
        f"{'orders':>10} {'plain s':>8} {'streamed s':>11} {'bulk_load s':>12} {'ratio':>6}"
        f" {'bulk peak MB':>13} {'all tables s':>13}"
    )
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as scratch:
            seeds = Path(scratch) / "seeds"
            generate(seeds, size)
            with open(seeds / "orders.csv", newline="") as stream:
                rows = list(csv.reader(stream))[1:]
            plain = plain_executemany(Path(scratch) / "plain.db", rows)
            del rows
            streamed = streamed_executemany(Path(scratch) / "streamed.db", seeds / "orders.csv")
            bulk, peak = bulk_load(Path(scratch) / "bulk.db", seeds, "orders")
            everything, _ = bulk_load(Path(scratch) / "all.db", seeds)
            print(
                f"{size:>10,} {plain:>8.2f} {streamed:>11.2f} {bulk:>12.2f} {bulk / plain:>6.2f}"
                f" {peak:>13.0f} {everything:>13.2f}"
            )


if __name__ == "__main__":
    main()
