"""python -m segments.bulk_load fills the same raw tables as `dbt seed` (same declared types, same values,
same storage classes), the models build on them unchanged, and a bad file changes nothing."""

from __future__ import annotations

import csv
import importlib.util
import io
import os
import sqlite3
import subprocess
from pathlib import Path

import jinja2
import numpy as np
import pytest
import yaml
from support import AS_OF, BIN, REPO, DbtProject, copy_project, run_module

from segments.bulk_load.records import offset_after_records
from segments.bulk_load.spark import session_settings

RAW_TABLES = ["customers", "orders", "products", "order_items", "customer_feedback"]


def bulk_load(*args: str) -> subprocess.CompletedProcess[str]:
    return run_module("segments.bulk_load", *args)


def table_dump(warehouse: Path, table: str) -> tuple[list[tuple], list[tuple]]:
    """Declared columns, and every row with each value's storage class."""
    with sqlite3.connect(warehouse) as connection:
        columns = connection.execute(f"pragma table_info({table})").fetchall()
        classes = ", ".join(f"typeof({column[1]})" for column in columns)
        data = connection.execute(f"select *, {classes} from {table} order by 1, 2").fetchall()
    return columns, data


@pytest.fixture(scope="module")
def loaded(built_project: DbtProject, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The generator's seeds/ (which also holds dbt's _seeds.yml) loaded by bulk_load; --seeds-dir
    is the old name of --data-dir."""
    warehouse = tmp_path_factory.mktemp("bulk") / "segments.db"
    result = bulk_load("--seeds-dir", str(built_project.root / "seeds"), "--warehouse", str(warehouse))
    assert result.returncode == 0, result.stderr
    assert "orders" in result.stdout
    assert result.stdout.splitlines()[-1] == "inputs: demographics,products,feedback"
    return warehouse


@pytest.mark.parametrize("table", RAW_TABLES)
def test_bulk_load_fills_the_tables_dbt_seed_fills(
    built_project: DbtProject, loaded: Path, table: str
) -> None:
    assert table_dump(loaded, table) == table_dump(built_project.warehouse, table)


def test_models_build_unchanged_on_bulk_loaded_tables(built_project: DbtProject, loaded: Path) -> None:
    env = {
        **os.environ,
        "DBT_PROFILES_DIR": str(built_project.root),
        "SEGMENTS_AS_OF": AS_OF,
        "SEGMENTS_WAREHOUSE_DIR": str(loaded.parent),
    }
    result = subprocess.run(
        [str(BIN / "dbt"), "--no-use-colors", "build", "--exclude-resource-type", "seed"],
        cwd=built_project.root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:]
    assert table_dump(loaded, "customer_segments") == table_dump(built_project.warehouse, "customer_segments")


def test_a_bad_file_stops_the_load_and_keeps_the_old_table(built_project: DbtProject, tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "orders.csv").write_text("order_id,customer_id,order_date,amount\n1,1,2026-01-01,10.00\n")
    warehouse = tmp_path / "segments.db"
    first = bulk_load("--data-dir", str(seeds), "--warehouse", str(warehouse), "--tables", "orders")
    assert first.returncode == 0, first.stderr
    before = table_dump(warehouse, "orders")

    bad_files = {
        "missing column": b"order_id,customer_id,order_date\n2,1,2026-01-02\n",
        "short row": b"order_id,customer_id,order_date,amount\n2,1,2026-01-02,5.00\n3,1\n",
        "not UTF-8": b"order_id,customer_id,order_date,amount\n2,1,2026-01-02,\xff\xfe\n",
    }
    for defect, content in bad_files.items():
        (seeds / "orders.csv").write_bytes(content)
        result = bulk_load("--data-dir", str(seeds), "--warehouse", str(warehouse), "--tables", "orders")
        assert result.returncode == 1, defect
        assert len(result.stderr.strip().splitlines()) == 1, (defect, result.stderr)
        assert "orders.csv" in result.stderr, defect
        assert table_dump(warehouse, "orders") == before, defect


def test_bad_arguments_are_refused_in_one_line(tmp_path: Path) -> None:
    unknown = bulk_load("--tables", "invoices", "--warehouse", str(tmp_path / "w.db"))
    assert unknown.returncode == 2
    assert unknown.stderr.strip() == (
        "bulk_load: error: --tables: unknown invoices "
        "(known: customers, orders, products, order_items, customer_feedback)"
    )
    no_csvs = bulk_load("--data-dir", str(tmp_path), "--warehouse", str(tmp_path / "w.db"))
    assert no_csvs.returncode == 2
    assert no_csvs.stderr.strip() == (
        f"bulk_load: error: no customers.csv, orders.csv in {tmp_path} "
        "(customers.csv and orders.csv are required)"
    )
    no_folder = bulk_load("--data-dir", str(tmp_path / "nowhere"), "--warehouse", str(tmp_path / "w.db"))
    assert no_folder.returncode == 2 and len(no_folder.stderr.strip().splitlines()) == 1
    assert "no such folder" in no_folder.stderr
    assert not (tmp_path / "w.db").exists()


def test_dbt_seed_batches_within_the_bound_variable_limit(tmp_path: Path) -> None:
    """More orders than one stock batch: dbt seed (macros/sqlite_adapter/seed_loading.sql) loads them in
    INSERTs of at most 32,766 placeholders, with the same result as the bulk loader."""
    project = copy_project(tmp_path / "segments")
    generated = project.generate("--customers", "2000", "--orders", "20000")
    assert generated.returncode == 0, generated.stderr
    seeded = project.dbt("seed", "--select", "orders")
    assert seeded.returncode == 0, seeded.stdout[-3000:]
    first_batch = (project.root / "target" / "run" / "segments" / "seeds" / "orders.csv").read_text()
    placeholders = first_batch.count("?")
    assert 32766 - 4 < placeholders <= 32766  # 8,191 rows of 4 columns per INSERT

    bulk = tmp_path / "bulk" / "segments.db"
    loaded = bulk_load(
        "--data-dir", str(project.root / "seeds"), "--warehouse", str(bulk), "--tables", "orders"
    )
    assert loaded.returncode == 0, loaded.stderr
    assert table_dump(bulk, "orders") == table_dump(project.warehouse, "orders")
    assert len(table_dump(bulk, "orders")[1]) == 20000


def test_spark_target_needs_the_spark_venv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """In a venv without pyspark, --target spark is refused in one line, as a usage error, before
    anything is written."""
    if importlib.util.find_spec("pyspark") is not None:
        pytest.skip("pyspark is installed in this venv")
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "orders.csv").write_text("order_id,customer_id,order_date,amount\n1,1,2026-01-01,10.00\n")
    monkeypatch.setenv("SEGMENTS_WAREHOUSE_DIR", str(tmp_path / "warehouse"))
    result = bulk_load("--target", "spark", "--data-dir", str(seeds), "--tables", "orders")
    assert result.returncode == 2
    assert (
        result.stderr.strip() == "bulk_load: error: --target spark needs its venv (pyspark is not installed)"
    )
    assert not (tmp_path / "warehouse").exists()


@pytest.mark.parametrize("warehouse_dir", [None, "/data/segments"])
def test_spark_session_is_the_dbt_targets(warehouse_dir: str | None) -> None:
    """segments.bulk_load.spark starts its session with the spark target's server_side_parameters
    (profiles.yml, rendered as dbt renders env_var), so both see the same warehouse and metastore:
    the settings are read from profiles.yml, and read as dbt reads them."""
    environment = {} if warehouse_dir is None else {"SEGMENTS_WAREHOUSE_DIR": warehouse_dir}

    def env_var(name: str, default: str | None = None) -> str:
        return environment.get(name, default)

    jinja = jinja2.Environment()
    jinja.filters["as_number"] = int  # used by the postgres target
    rendered = jinja.from_string((REPO / "profiles.yml").read_text()).render(env_var=env_var)
    target = yaml.safe_load(rendered)["segments"]["outputs"]["spark"]
    assert session_settings(warehouse_dir or "warehouse") == target["server_side_parameters"]
    assert target["schema"] == "segments"  # bulk_load's default without SEGMENTS_SPARK_SCHEMA


def test_append_adds_an_appended_day_and_matches_a_full_load(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    generated = run_module(
        "seeds_gen", "--out", str(seeds), "--as-of", AS_OF, "--customers", "50", "--orders", "400"
    )
    assert generated.returncode == 0, generated.stderr
    appended, full = tmp_path / "appended.db", tmp_path / "full.db"
    assert bulk_load("--data-dir", str(seeds), "--warehouse", str(appended)).returncode == 0

    assert run_module("seeds_gen", "--out", str(seeds), "--append-day", "--orders", "25").returncode == 0
    result = bulk_load("--data-dir", str(seeds), "--warehouse", str(appended), "--append")
    assert result.returncode == 0, result.stderr
    assert "Appended customers 0, orders 25," in result.stdout
    assert bulk_load("--data-dir", str(seeds), "--warehouse", str(full)).returncode == 0
    for table in RAW_TABLES:
        assert table_dump(appended, table) == table_dump(full, table), table

    again = bulk_load("--data-dir", str(seeds), "--warehouse", str(appended), "--append")
    assert again.returncode == 0 and "Appended customers 0, orders 0," in again.stdout  # nothing new


def test_append_needs_the_table_and_a_target_that_appends(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    assert run_module("seeds_gen", "--out", str(seeds), "--customers", "5", "--orders", "9").returncode == 0
    missing = bulk_load("--data-dir", str(seeds), "--warehouse", str(tmp_path / "empty.db"), "--append")
    assert missing.returncode == 1
    assert missing.stderr.strip().endswith("no table customers to append to: load it without --append first")
    postgres = bulk_load("--data-dir", str(seeds), "--target", "postgres", "--append")
    assert postgres.returncode == 2 and "--append: not available for --target postgres" in postgres.stderr


def test_append_skips_exactly_the_loaded_records_of_any_csv(tmp_path: Path) -> None:
    """offset_after_records against csv.reader on fields with quoted newlines, escaped quotes,
    CRLF and a missing last newline, with blocks small enough to split quotes and records."""
    random = np.random.default_rng(7)
    pieces = ["plain", 'say ""hi""', "two\nlines", "crlf\r\nin quotes", "", "a,b", '""']
    for case in range(40):
        rows = [
            ",".join(
                f'"{pieces[i]}"' if random.random() < 0.6 else str(i)
                for i in random.integers(0, len(pieces), size=3)
            )
            for _ in range(int(random.integers(1, 30)))
        ]
        text = random.choice(["\n", "\r\n"]).join(rows) + ("" if case % 5 == 0 else "\n")
        path = tmp_path / f"case{case}.csv"
        path.write_bytes(text.encode())
        with open(path, newline="", encoding="utf-8") as stream:
            records = list(csv.reader(stream))
        for skip in range(len(records) + 2):
            found = offset_after_records(path, skip, block_bytes=int(random.integers(1, 16)))
            if skip > len(records):
                assert found is None
                continue
            assert found is not None
            offset, lines = found
            with open(path, "rb") as raw:
                raw.seek(offset)
                rest = list(csv.reader(io.TextIOWrapper(raw, encoding="utf-8", newline="")))
            assert rest == records[skip:], (case, skip)
            assert lines == text.encode()[:offset].count(b"\n"), (case, skip)


def duckdb_dump(warehouse: Path, table: str) -> tuple[list[tuple], list[tuple]]:
    """Declared columns, and every row in order."""
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as connection:
        columns = connection.execute(f"describe {table}").fetchall()
        return columns, connection.execute(f"select * from {table} order by all").fetchall()


def raw_dumps(target: str, warehouse: Path) -> dict[str, object]:
    dump = duckdb_dump if target == "duckdb" else table_dump
    return {table: dump(warehouse, table) for table in RAW_TABLES}


def break_last_value(path: Path, value: str) -> None:
    """The last field of the file's last record replaced with `value`."""
    lines = path.read_text(encoding="utf-8").rstrip("\n").split("\n")
    lines[-1] = lines[-1].rsplit(",", 1)[0] + "," + value
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.parametrize("target", ["sqlite", "duckdb"])
def test_a_bad_products_csv_after_good_orders_changes_no_table(tmp_path: Path, target: str) -> None:
    """All or nothing across the tables of one load: a new data set whose products.csv (loaded after
    customers.csv and orders.csv) has a bad price leaves every raw table as it was, in both halves
    of SQLite's two-process load too."""
    if target == "duckdb":
        pytest.importorskip("duckdb")
    old, new = tmp_path / "old", tmp_path / "new"
    for folder, seed, orders in ((old, "1", "200"), (new, "2", "300")):
        generated = run_module(
            "seeds_gen", "--out", str(folder), "--as-of", AS_OF, "--seed", seed, "--orders", orders
        )
        assert generated.returncode == 0, generated.stderr
    warehouse = tmp_path / "warehouse" / f"segments.{'duckdb' if target == 'duckdb' else 'db'}"
    first = bulk_load("--target", target, "--data-dir", str(old), "--warehouse", str(warehouse))
    assert first.returncode == 0, first.stderr
    before = raw_dumps(target, warehouse)

    break_last_value(new / "products.csv", "9.99 USD")
    result = bulk_load("--target", target, "--data-dir", str(new), "--warehouse", str(warehouse))
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1 and "products.csv" in result.stderr
    assert raw_dumps(target, warehouse) == before
    assert sorted(path.name for path in warehouse.parent.iterdir()) == [warehouse.name]


@pytest.mark.parametrize("target", ["sqlite", "duckdb"])
def test_a_bad_order_line_in_an_append_appends_no_order(tmp_path: Path, target: str) -> None:
    """--append is all or nothing too: the appended day's orders go in only with its lines."""
    if target == "duckdb":
        pytest.importorskip("duckdb")
    seeds = tmp_path / "seeds"
    generated = run_module("seeds_gen", "--out", str(seeds), "--as-of", AS_OF, "--orders", "200")
    assert generated.returncode == 0, generated.stderr
    warehouse = tmp_path / f"segments.{'duckdb' if target == 'duckdb' else 'db'}"
    first = bulk_load("--target", target, "--data-dir", str(seeds), "--warehouse", str(warehouse))
    assert first.returncode == 0, first.stderr
    before = raw_dumps(target, warehouse)

    appended = run_module("seeds_gen", "--out", str(seeds), "--append-day", "--orders", "25")
    assert appended.returncode == 0, appended.stderr
    break_last_value(seeds / "order_items.csv", "twelve")
    result = bulk_load(
        "--target", target, "--data-dir", str(seeds), "--warehouse", str(warehouse), "--append"
    )
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1 and "order_items.csv" in result.stderr
    assert raw_dumps(target, warehouse) == before


# The raw tables of one schema, each row's repr, as JSON (run in the postgres venv, with psycopg2).
PG_DUMP = """
import json, os, sys, psycopg2
environ = os.environ
connection = psycopg2.connect(
    host=environ["SEGMENTS_PG_HOST"], port=environ["SEGMENTS_PG_PORT"], user="postgres", dbname="postgres"
)
cursor = connection.cursor()
dump = {}
for table in sys.argv[2:]:
    cursor.execute(f"select * from {sys.argv[1]}.{table}")
    dump[table] = sorted(repr(row) for row in cursor.fetchall())
print(json.dumps(dump))
"""


@pytest.mark.engines
def test_postgres_a_bad_products_csv_after_good_orders_changes_no_table(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """The PostgreSQL loader's one transaction: as the SQLite and DuckDB test above."""
    python = REPO / ".venv-postgres" / "bin" / "python"
    if not python.exists():
        pytest.fail("no .venv-postgres: make test-engines creates it")
    env = {**os.environ, **request.getfixturevalue("postgres_env"), "PYTHONPATH": str(REPO)}
    schema = "all_or_nothing"

    def run(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(python), *argv], cwd=REPO, env=env, capture_output=True, text=True, check=False
        )

    old, new = tmp_path / "old", tmp_path / "new"
    for folder, seed, orders in ((old, "1", "200"), (new, "2", "300")):
        generated = run_module(
            "seeds_gen", "--out", str(folder), "--as-of", AS_OF, "--seed", seed, "--orders", orders
        )
        assert generated.returncode == 0, generated.stderr
    first = run(
        "-m", "segments.bulk_load", "--target", "postgres", "--schema", schema, "--data-dir", str(old)
    )
    assert first.returncode == 0, first.stderr
    before = run("-c", PG_DUMP, schema, *RAW_TABLES)
    assert before.returncode == 0, before.stderr

    break_last_value(new / "products.csv", "9.99 USD")
    result = run(
        "-m", "segments.bulk_load", "--target", "postgres", "--schema", schema, "--data-dir", str(new)
    )
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1 and "products.csv" in result.stderr
    assert run("-c", PG_DUMP, schema, *RAW_TABLES).stdout == before.stdout
