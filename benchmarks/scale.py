"""The whole pipeline at growing sizes: generate, load, dbt build, incremental refresh.

    make bench                                   # 1k, 100k, 1M and 10M orders
    .venv/bin/python benchmarks/scale.py --sizes 1000 100000

For each size (one customer per ten orders) it works in a throwaway copy of the project:
  generate  python -m seeds_gen
  load      python -m segments.bulk_load (SQLite); beside it a plain sqlite3 executemany of the same
            CSVs in one transaction
  build     dbt build --exclude-resource-type seed (every model, data test and unit test)
  refresh   python -m seeds_gen --append-day with 1% new orders, bulk_load --append, and the
            daily refresh, dbt build --selector refresh (selectors.yml: customer_segments and its
            summary from the incremental models, which take only the new orders, with their tests)
and times customer_segments three ways on the data before the refresh: its model in the SQLite
build, a straightforward pandas version (read the CSVs, group, merge, segment), and its model
in a DuckDB build (when .venv-duckdb exists: make bench creates it). At 100k orders it also
times `dbt seed` with this project's seed macro and with dbt-sqlite's stock one.

Peak memory is each step's own high-water mark (wait4), the largest over the steps. A benchmark,
not a test: it prints figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DUCKDB_BIN = REPO / ".venv-duckdb" / "bin"
AS_OF = "2026-06-30"
IGNORE = shutil.ignore_patterns(
    ".venv*",
    ".git",
    "target",
    "logs",
    "*.db",
    "*.duckdb",
    "*.csv",
    "__pycache__",
    ".*_cache",
    "test-artifacts",
)


@dataclass
class Step:
    seconds: float
    peak_mb: float
    output: str


@dataclass
class Row:
    orders: int
    steps: dict[str, Step] = field(default_factory=dict)
    figures: dict[str, float] = field(default_factory=dict)
    slowest: dict[str, list[tuple[str, float]]] = field(default_factory=dict)


def run(argv: list[str], cwd: Path, env: dict[str, str]) -> Step:
    """Run one step to completion; its wall time and its own peak resident memory."""
    started = time.perf_counter()
    process = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output = process.stdout.read() if process.stdout else b""
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    text = output.decode(errors="replace")
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"benchmark step failed: {' '.join(argv)}\n{text[-3000:]}")
    return Step(elapsed, usage.ru_maxrss / 1024, text)


def model_seconds(project: Path, model: str) -> float:
    results = json.loads((project / "target" / "run_results.json").read_text())["results"]
    return next(r["execution_time"] for r in results if r["unique_id"] == f"model.segments.{model}")


def slowest_nodes(project: Path, count: int) -> list[tuple[str, float]]:
    """The `count` nodes of the last dbt command that took longest, with their seconds."""
    results = json.loads((project / "target" / "run_results.json").read_text())["results"]
    timed = sorted(((r["unique_id"], r["execution_time"]) for r in results), key=lambda r: -r[1])
    return timed[:count]


def measure(orders: int, scratch: Path, duckdb: bool, slowest: int = 0) -> Row:
    project = scratch / f"orders-{orders}"
    shutil.copytree(REPO, project, ignore=IGNORE)
    seeds = project / "seeds"
    env = {
        **os.environ,
        "DBT_PROFILES_DIR": str(project),
        "SEGMENTS_WAREHOUSE_DIR": str(project / "warehouse"),
        "SEGMENTS_AS_OF": AS_OF,
        "PYTHONPATH": str(project),
        "NO_COLOR": "1",
    }
    python, dbt = str(BIN / "python"), str(BIN / "dbt")
    row = Row(orders)
    counts = ["--customers", str(max(orders // 10, 10)), "--orders", str(orders)]
    row.steps["generate"] = run([python, "-m", "seeds_gen", *counts, "--as-of", AS_OF], project, env)
    row.steps["load"] = run([python, "-m", "segments.bulk_load"], project, env)
    row.figures["executemany"] = float(
        run(
            [python, str(REPO / "benchmarks" / "baselines.py"), "executemany", str(seeds)], project, env
        ).output
    )
    row.steps["build"] = run([dbt, "build", "--exclude-resource-type", "seed"], project, env)
    row.figures["segments_sqlite"] = model_seconds(project, "customer_segments")
    row.slowest["build"] = slowest_nodes(project, slowest)
    row.figures["pandas"] = float(
        run([python, str(REPO / "benchmarks" / "baselines.py"), "pandas", str(seeds)], project, env).output
    )
    if duckdb:
        duck_env = {**env, "SEGMENTS_TARGET": "duckdb"}
        run([str(DUCKDB_BIN / "python"), "-m", "segments.bulk_load", "--target", "duckdb"], project, duck_env)
        # dbt run builds the models only: the raw tables bulk_load filled stay.
        run([str(DUCKDB_BIN / "dbt"), "run", "--select", "+customer_segments"], project, duck_env)
        row.figures["segments_duckdb"] = model_seconds(project, "customer_segments")
    if orders == 100_000:
        row.figures["dbt_seed"] = run([dbt, "seed"], project, env).seconds
        stock = scratch / "stock-seed"
        shutil.copytree(project, stock, ignore=shutil.ignore_patterns("target", "logs", "warehouse"))
        # dbt-sqlite's own seed macro again.
        (stock / "macros" / "sqlite_adapter" / "seed_loading.sql").unlink()
        (stock / "warehouse").mkdir()
        stock_env = {
            **env,
            "DBT_PROFILES_DIR": str(stock),
            "SEGMENTS_WAREHOUSE_DIR": str(stock / "warehouse"),
        }
        row.figures["stock_dbt_seed"] = run([dbt, "seed"], stock, stock_env).seconds
        shutil.rmtree(stock)

    new_orders = str(max(orders // 100, 1))
    appended = run([python, "-m", "seeds_gen", "--append-day", "--orders", new_orders], project, env)
    loaded = run([python, "-m", "segments.bulk_load", "--append"], project, env)
    next_day = {**env, "SEGMENTS_AS_OF": "2026-07-01"}  # the appended day is the new as-of date
    rebuilt = run([dbt, "build", "--selector", "refresh"], project, next_day)
    row.steps["refresh"] = Step(
        appended.seconds + loaded.seconds + rebuilt.seconds,
        max(appended.peak_mb, loaded.peak_mb, rebuilt.peak_mb),
        rebuilt.output,
    )
    row.figures["refresh_build"] = rebuilt.seconds
    row.slowest["refresh"] = slowest_nodes(project, slowest)
    shutil.rmtree(project)
    return row


TABLE = (
    ("orders", "{orders:>12,}"),
    ("generate s", "{generate:>10.2f}"),
    ("load s", "{load:>8.2f}"),
    ("build s", "{build:>9.1f}"),
    ("refresh s", "{refresh:>9.1f}"),
    ("total s", "{total:>9.1f}"),
    ("peak MB", "{peak:>8.0f}"),
    ("gen peak MB", "{generate_peak:>11.0f}"),
    ("load/executemany", "{load_ratio:>16.2f}"),
    ("refresh/build", "{refresh_ratio:>13.2f}"),
    ("segments SQLite s", "{segments_sqlite:>17.2f}"),
    ("pandas s", "{pandas:>8.2f}"),
    ("SQLite/pandas", "{sqlite_ratio:>13.2f}"),
    ("segments DuckDB s", "{segments_duckdb:>17}"),
    ("DuckDB/pandas", "{duckdb_ratio:>13}"),
)


def table_line(row: Row) -> str:
    steps, figures = row.steps, row.figures
    duckdb = figures.get("segments_duckdb")
    values = {
        "orders": row.orders,
        **{name: steps[name].seconds for name in ("generate", "load", "build", "refresh")},
        "total": sum(steps[name].seconds for name in ("generate", "load", "build")),
        "peak": max(step.peak_mb for step in steps.values()),
        "generate_peak": steps["generate"].peak_mb,
        "load_ratio": steps["load"].seconds / figures["executemany"],
        "refresh_ratio": steps["refresh"].seconds / steps["build"].seconds,
        "segments_sqlite": figures["segments_sqlite"],
        "pandas": figures["pandas"],
        "sqlite_ratio": figures["segments_sqlite"] / figures["pandas"],
        "segments_duckdb": "-" if duckdb is None else f"{duckdb:.2f}",
        "duckdb_ratio": "-" if duckdb is None else f"{duckdb / figures['pandas']:.2f}",
    }
    return " | ".join(spec.format(**values) for _, spec in TABLE)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 100_000, 1_000_000, 10_000_000])
    parser.add_argument("--scratch", type=Path, help="where the project copies go (default: a temporary dir)")
    parser.add_argument(
        "--slowest", type=int, default=0, metavar="N", help="list the N slowest nodes of build and refresh"
    )
    args = parser.parse_args()
    duckdb = (DUCKDB_BIN / "dbt").exists()
    print(f"machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(" | ".join(name for name, _ in TABLE))
    with tempfile.TemporaryDirectory(dir=args.scratch) as scratch:
        for orders in args.sizes:
            row = measure(orders, Path(scratch), duckdb, args.slowest)
            print(table_line(row), flush=True)
            for step, nodes in row.slowest.items():
                for unique_id, seconds in nodes:
                    print(f"  {orders:,} orders, {step}: {seconds:8.2f} s  {unique_id}", flush=True)
            if "stock_dbt_seed" in row.figures:
                print(seed_line(row), flush=True)


def seed_line(row: Row) -> str:
    seed, stock = row.figures["dbt_seed"], row.figures["stock_dbt_seed"]
    load = row.steps["load"].seconds
    return (
        f"  {row.orders:,} orders, every seed: dbt seed {seed:.1f} s with this project's seed macro, "
        f"{stock:.1f} s with dbt-sqlite's stock macro; bulk_load {load:.2f} s "
        f"({stock / load:.0f}x faster than stock dbt seed)"
    )


if __name__ == "__main__":
    main()
