"""python -m segments.bulk_load: load a folder of CSVs into the warehouse's raw tables without `dbt seed`.

    python -m segments.bulk_load [--target sqlite|duckdb|postgres|spark] [--data-dir seeds]
        [--tables orders ...]
    python -m segments.bulk_load --data-dir DIR --list-inputs

The tables, their columns and what a value must look like come from the input contract, the `shop`
source (models/staging/_shop__sources.yml); the folder holds only the CSVs. customers.csv and
orders.csv are required; products.csv with order_items.csv make the optional input `products`,
customer_feedback.csv (with those) `feedback`, and customers.csv's five demographic columns
`demographics`. A full load replaces the tables of the inputs it has and drops those of the others;
its last line, `inputs: ...`, is the SEGMENTS_INPUTS value for dbt (--list-inputs prints only that).
--tables loads only the tables named, leaves the others as they are and prints no inputs line.

Each engine's own bulk path: streamed executemany (SQLite), read_csv (DuckDB), COPY (PostgreSQL),
spark.read.csv into parquet tables (Spark, in a local session set up as profiles.yml's target).
Then build without reseeding: `dbt build --exclude-resource-type seed [--target ...]`.

A load is all or nothing across its tables, full or --append: on SQLite, DuckDB and PostgreSQL one
transaction, so a bad products.csv leaves the orders loaded before it as they were (not on Spark,
which has no transactions: segments.bulk_load.spark). Errors are one line on stderr: exit status 2 for a
wrong argument (an unknown table, a data folder that cannot be used), 1 for a file or warehouse
that refuses the load (a warehouse path that cannot be used included, checked before any work).
SIGINT, SIGTERM and SIGHUP stop a load with one line and exit status 128 + the signal's number,
rolled back, its second process and scratch folder gone (segments.atomic_files.signals).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import NoReturn

from segments import warehouse as targets
from segments.atomic_files.signals import Stopped, raise_on_stopping_signals
from segments.bulk_load.contract import ContractError, read_contract
from segments.bulk_load.files import FolderError, LoadError, Plan, plan_load

TARGETS = targets.TARGETS


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a bad argument is one readable line (no usage block), exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = OneLineParser(prog="python -m segments.bulk_load", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--target",
        choices=TARGETS,
        default=targets.current_target(),
        help="the dbt target to load (default: $SEGMENTS_TARGET, else sqlite; segments.warehouse)",
    )
    parser.add_argument(
        "--data-dir",
        "--seeds-dir",
        dest="data_dir",
        type=Path,
        default=Path("seeds"),
        help="the folder of CSVs, <table>.csv each (default: seeds); --seeds-dir is the same",
    )
    parser.add_argument(
        "--list-inputs",
        action="store_true",
        help="print the folder's optional inputs as SEGMENTS_INPUTS (e.g. demographics,products or "
        "none) and load nothing",
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
        "--tables",
        nargs="+",
        metavar="TABLE",
        help="only these tables, the others left as they are (default: every table of the folder's "
        "inputs, and the tables of the other inputs dropped)",
    )
    parser.add_argument(
        "--append",
        action="store_true",
        help="sqlite/duckdb: keep each table's rows and add the file's rows beyond them "
        "(after python -m seeds_gen --append-day)",
    )
    return parser.parse_args(argv)


class WarehouseError(Exception):
    """The database file cannot be where it is asked for."""


def usage_error(message: str) -> NoReturn:
    """One line on stderr and exit status 2, as argparse does for a bad argument."""
    print(message, file=sys.stderr)
    sys.exit(2)


def warehouse_path(args: argparse.Namespace) -> tuple[Path, str]:
    """The sqlite or duckdb database file, and what named it (for a message)."""
    if args.warehouse is not None:
        return args.warehouse, "--warehouse"
    engine = "duckdb" if args.target == "duckdb" else "sqlite"
    return targets.database_file(engine), "SEGMENTS_WAREHOUSE_DIR"


def check_warehouse(warehouse: Path) -> None:
    """That the database file can be opened, or made, where it is asked for: before any work, so a
    wrong path is one line, not an engine's traceback. Creates the folder (the load would)."""
    if warehouse.is_dir():
        raise WarehouseError(f"{warehouse} is a folder, not a database file")
    # mkdir under a file says only "File exists" or "Not a directory": name the file instead.
    existing = next((folder for folder in warehouse.parents if folder.exists()), None)
    if existing is not None and not existing.is_dir():
        raise WarehouseError(f"{existing} is a file, not a folder")
    try:
        warehouse.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=warehouse.parent):
            pass  # the engine's journal and the scratch folder go beside the file
    except OSError as error:
        raise WarehouseError(f"cannot write in {warehouse.parent}: {error.strerror or error}") from None
    if warehouse.exists() and not os.access(warehouse, os.R_OK | os.W_OK):
        raise WarehouseError(f"{warehouse}: cannot read and write it")


def load(args: argparse.Namespace, plan: Plan, warehouse: Path) -> tuple[dict[str, int], str]:
    warehouse_dir = targets.warehouse_dir()
    if args.target == "postgres":
        from segments.bulk_load import postgres

        schema = args.schema or targets.postgres_schema()
        return postgres.load(schema, plan), f"PostgreSQL schema {schema}"
    if args.target == "spark":
        from segments.bulk_load import spark

        schema = args.schema or targets.spark_schema()
        where = f"Spark schema {schema} in {warehouse_dir}/spark-warehouse"
        return spark.load(warehouse_dir, schema, plan), where
    if args.target == "duckdb":
        from segments.bulk_load import duckdb

        return duckdb.load(warehouse, plan, args.append), str(warehouse)
    from segments.bulk_load import sqlite

    return sqlite.load(warehouse, plan, args.append), str(warehouse)


def os_error(error: OSError) -> str:
    where = f"{error.filename}: " if error.filename else ""
    return f"bulk_load: error: {where}{error.strerror or error}"


def main(argv: list[str] | None = None) -> int:
    """The exit status: 0 once loaded, 128 + the signal's number when stopped (an error exits
    through SystemExit with 1 or 2)."""
    try:
        with raise_on_stopping_signals():
            run(argv)
    except Stopped as stop:
        print(f"bulk_load: stopped by {stop}", file=sys.stderr)
        return stop.exit_status
    return 0


def run(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    try:
        contract = read_contract()
    except ContractError as error:
        sys.exit(f"bulk_load: error: the input contract: {error}")
    unknown = sorted(set(args.tables or []) - set(contract))
    if unknown:
        usage_error(
            f"bulk_load: error: --tables: unknown {', '.join(unknown)} (known: {', '.join(contract)})"
        )
    if args.list_inputs and (args.tables or args.append):
        usage_error(
            "bulk_load: error: --list-inputs describes the whole folder: leave out --tables and --append"
        )
    if args.append and args.target not in ("sqlite", "duckdb"):
        usage_error(f"bulk_load: error: --append: not available for --target {args.target} (sqlite, duckdb)")
    try:
        plan = plan_load(contract, args.data_dir, args.tables)
    except FolderError as error:
        usage_error(f"bulk_load: error: {error}")
    except LoadError as error:
        sys.exit(f"bulk_load: error: {error}")
    if args.list_inputs:
        print(plan.inputs_value)
        return
    warehouse, named_by = warehouse_path(args)
    if args.target in ("sqlite", "duckdb"):
        try:
            check_warehouse(warehouse)
        except WarehouseError as error:  # status 1, as for an unwritable folder found mid-load
            sys.exit(f"bulk_load: error: {named_by}: {error}")
    started = time.perf_counter()
    try:
        loaded, where = load(args, plan, warehouse)
    except ImportError as error:
        usage_error(
            f"bulk_load: error: --target {args.target} needs its venv ({error.name} is not installed)"
        )
    except LoadError as error:
        sys.exit(f"bulk_load: error: {error}")
    except OSError as error:  # a file gone mid-load, a full disk (the warehouse path was checked)
        sys.exit(os_error(error))
    summary = ", ".join(f"{name} {count:,}" for name, count in loaded.items())
    verb = "Appended" if args.append else "Loaded"
    print(f"{verb} {summary} rows into {where} in {time.perf_counter() - started:.2f} s")
    ignored = plan.ignored_summary()
    if ignored:
        print(ignored)
    if plan.inputs_value is not None:
        print(f"inputs: {plan.inputs_value}")
