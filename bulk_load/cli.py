"""python -m bulk_load: load the seed CSVs into the warehouse's raw tables without `dbt seed`.

    python -m bulk_load [--target sqlite|duckdb|postgres|spark] [--seeds-dir seeds] [--tables orders ...]

Each engine's own bulk path: streamed executemany (SQLite), read_csv (DuckDB), COPY (PostgreSQL),
spark.read.csv into parquet tables (Spark, in a local session set up as profiles.yml's target).
Then build without reseeding: `dbt build --exclude-resource-type seed [--target ...]`.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from bulk_load.files import LoadError
from bulk_load.seeds import declared_tables

TARGETS = ("sqlite", "duckdb", "postgres", "spark")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bulk_load", description=__doc__.splitlines()[0])
    parser.add_argument("--target", choices=TARGETS, default="sqlite", help="the warehouse (default: sqlite)")
    parser.add_argument(
        "--seeds-dir", type=Path, default=Path("seeds"), help="where the CSVs are (default: seeds)"
    )
    parser.add_argument(
        "--warehouse",
        type=Path,
        help="sqlite/duckdb: the database file (default: $SEGMENTS_WAREHOUSE_DIR or warehouse, "
        "/segments.db or /segments.duckdb); spark uses $SEGMENTS_WAREHOUSE_DIR/spark-warehouse "
        "and /spark-metastore, as its dbt target does",
    )
    parser.add_argument(
        "--schema",
        help="postgres/spark: the schema (default: $SEGMENTS_PG_SCHEMA or $SEGMENTS_SPARK_SCHEMA, "
        "else segments)",
    )
    parser.add_argument(
        "--tables", nargs="+", metavar="TABLE", help="only these tables (default: every seed)"
    )
    parser.add_argument(
        "--append",
        action="store_true",
        help="sqlite/duckdb: keep each table's rows and add the file's rows beyond them "
        "(after python -m seeds_gen --append-day)",
    )
    return parser.parse_args(argv)


def usage_error(message: str) -> None:
    """One line on stderr and exit status 2, as argparse does for a bad argument."""
    print(message, file=sys.stderr)
    sys.exit(2)


def load(args: argparse.Namespace, tables: dict[str, dict[str, str]]) -> tuple[dict[str, int], str]:
    warehouse_dir = Path(os.environ.get("SEGMENTS_WAREHOUSE_DIR", "warehouse"))
    if args.target == "postgres":
        from bulk_load import postgres

        schema = args.schema or os.environ.get("SEGMENTS_PG_SCHEMA", "segments")
        return postgres.load(schema, args.seeds_dir, tables), f"PostgreSQL schema {schema}"
    if args.target == "spark":
        from bulk_load import spark

        schema = args.schema or os.environ.get("SEGMENTS_SPARK_SCHEMA", "segments")
        where = f"Spark schema {schema} in {warehouse_dir}/spark-warehouse"
        return spark.load(warehouse_dir, schema, args.seeds_dir, tables), where
    if args.target == "duckdb":
        from bulk_load import duckdb

        warehouse = args.warehouse or warehouse_dir / "segments.duckdb"
        return duckdb.load(warehouse, args.seeds_dir, tables, args.append), str(warehouse)
    from bulk_load import sqlite

    warehouse = args.warehouse or warehouse_dir / "segments.db"
    return sqlite.load(warehouse, args.seeds_dir, tables, args.append), str(warehouse)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    seeds_yml = args.seeds_dir / "_seeds.yml"
    if not seeds_yml.is_file():
        usage_error(
            f"bulk_load: error: {seeds_yml} not found (--seeds-dir must hold _seeds.yml and the CSVs)"
        )
    tables = declared_tables(seeds_yml)
    unknown = sorted(set(args.tables or []) - set(tables))
    if unknown:
        usage_error(f"bulk_load: error: --tables: unknown {', '.join(unknown)} (known: {', '.join(tables)})")
    if args.tables:
        tables = {name: tables[name] for name in args.tables}
    missing = [name for name in tables if not (args.seeds_dir / f"{name}.csv").is_file()]
    if missing:
        usage_error(
            f"bulk_load: error: no {', '.join(f'{name}.csv' for name in missing)} in {args.seeds_dir}"
        )
    if args.append and args.target not in ("sqlite", "duckdb"):
        usage_error(f"bulk_load: error: --append: not available for --target {args.target} (sqlite, duckdb)")
    started = time.perf_counter()
    try:
        loaded, where = load(args, tables)
    except ImportError as error:
        usage_error(
            f"bulk_load: error: --target {args.target} needs its venv ({error.name} is not installed)"
        )
    except LoadError as error:
        sys.exit(f"bulk_load: error: {error}")
    summary = ", ".join(f"{name} {count:,}" for name, count in loaded.items())
    verb = "Appended" if args.append else "Loaded"
    print(f"{verb} {summary} rows into {where} in {time.perf_counter() - started:.2f} s")
