"""The same project on four engines: SQLite, DuckDB, PostgreSQL and Spark build it from the same
seeds and every mart has the same fingerprint (macros/testing/fingerprint.sql).

Run by `make test-engines` (marker `engines`), which creates one venv per engine
(.venv-duckdb, .venv-postgres, .venv-spark). PostgreSQL is a throwaway cluster started here
as the `postgres` user in a temporary directory, on loopback, and stopped afterwards whatever
happens. Each engine's fingerprint is written to test-artifacts/fingerprints/<engine>.json.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import time
from pathlib import Path

import pytest
from support import AS_OF, BIN, MARTS, REPO, DbtProject, copy_project

pytestmark = pytest.mark.engines

ENGINES = ["duckdb", "postgres", "spark"]
ARTIFACTS = REPO / "test-artifacts" / "fingerprints"
# The segment history (docs/segment-history.md): replayed over HISTORY_DAYS days before the
# fingerprint on every engine, so that segment_migrations has periods to compare.
HISTORY_MARTS = {"customer_segment_history", "segment_migrations"}
HISTORY_DAYS = "5"


def engine_dbt(engine: str) -> Path:
    dbt = BIN / "dbt" if engine == "sqlite" else REPO / f".venv-{engine}" / "bin" / "dbt"
    if not dbt.exists():
        pytest.fail(f"{dbt} is missing: `make test-engines` creates the engine venvs")
    return dbt


def engine_env(project: DbtProject, label: str, env: dict[str, str]) -> dict[str, str]:
    return {
        **os.environ,
        "DBT_PROFILES_DIR": str(project.root),
        "SEGMENTS_AS_OF": AS_OF,
        "SEGMENTS_WAREHOUSE_DIR": str(project.root / "warehouse" / label),
        **env,
    }


def run_dbt(project: DbtProject, engine: str, label: str, env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [str(engine_dbt(engine)), "--no-use-colors", *args, "--target", engine],
        cwd=project.root,
        env=engine_env(project, label, env),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"dbt {' '.join(args)} on {engine} failed:\n{result.stdout[-8000:]}"
    return result.stdout


def replay_history(project: DbtProject, engine: str, label: str, env: dict[str, str]) -> None:
    """`python -m segments.history --days HISTORY_DAYS` with the engine's venv on the label's warehouse."""
    result = subprocess.run(
        [str(engine_dbt(engine).parent / "python"), "-m", "segments.history", "--days", HISTORY_DAYS],
        cwd=project.root,
        env=engine_env(project, label, {**env, "SEGMENTS_TARGET": engine, "PYTHONPATH": str(project.root)}),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, (
        f"segment history on {engine} failed:\n{result.stdout[-4000:]}{result.stderr}"
    )


def fingerprint(
    project: DbtProject,
    engine: str,
    env: dict[str, str],
    label: str | None = None,
    seed: bool = True,
    history: bool = True,
) -> dict:
    """Load the seeds with `dbt seed` (unless another loader filled the raw tables), build
    everything (models, data and unit tests) on the engine, replay the segment history (unless
    `history` is false), then fingerprint."""
    label = label or engine
    (project.root / "warehouse" / label).mkdir(parents=True, exist_ok=True)
    if seed:
        run_dbt(project, engine, label, env, "seed")
    run_dbt(project, engine, label, env, "build")
    if history:
        replay_history(project, engine, label, env)
    output = run_dbt(project, engine, label, env, "run-operation", "print_mart_fingerprints")
    lines = [line for line in output.splitlines() if line.startswith("FINGERPRINT ")]
    assert len(lines) == 1, f"no fingerprint line from {engine}:\n{output[-3000:]}"
    result = json.loads(lines[0].removeprefix("FINGERPRINT "))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"{label}.json").write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
    return result


def differences(expected: object, actual: object, path: str = "") -> list[str]:
    if isinstance(expected, dict) and isinstance(actual, dict) and "millionths" in expected:
        # A float sum next to a half-millionth may round either way on another engine.
        close = None not in (expected.get("millionths"), actual.get("millionths")) and (
            abs(expected["millionths"] - actual["millionths"]) <= 1
        )
        if close or expected == actual:
            return []
    if isinstance(expected, dict) and isinstance(actual, dict):
        found: list[str] = []
        for key in sorted(set(expected) | set(actual)):
            found += differences(expected.get(key), actual.get(key), f"{path}.{key}" if path else key)
        return found
    return [] if expected == actual else [f"{path}: sqlite {expected!r}, other {actual!r}"]


def digest(value: dict) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:16]


def bulk_load(
    project: DbtProject, engine: str, label: str, env: dict[str, str], *args: str
) -> subprocess.CompletedProcess[str]:
    """`python -m segments.bulk_load --target ENGINE ARGS` with the engine's venv, into the label's
    warehouse."""
    (project.root / "warehouse" / label).mkdir(parents=True, exist_ok=True)
    return subprocess.run(
        [str(engine_dbt(engine).parent / "python"), "-m", "segments.bulk_load", "--target", engine, *args],
        cwd=project.root,
        env=engine_env(project, label, {**env, "PYTHONPATH": str(REPO)}),
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="session")
def engines_project(tmp_path_factory: pytest.TempPathFactory) -> DbtProject:
    project = copy_project(tmp_path_factory.mktemp("engines") / "segments")
    generated = project.generate()
    assert generated.returncode == 0, generated.stderr
    return project


@pytest.fixture(scope="session")
def sqlite_fingerprint(engines_project: DbtProject) -> dict:
    return fingerprint(engines_project, "sqlite", {})


def test_sqlite_fingerprint_covers_every_mart(sqlite_fingerprint: dict) -> None:
    marts = {name for name in sqlite_fingerprint if name != "top_5_products"}
    assert marts == set(MARTS), sorted(set(MARTS) ^ marts)
    assert all(sqlite_fingerprint[name]["rows"] > 0 for name in marts)
    assert len(sqlite_fingerprint["top_5_products"]) == 5
    segments = sqlite_fingerprint["customer_segments"]["customer_segment"]["counts"]
    assert sum(segments.values()) == sqlite_fingerprint["customer_segments"]["rows"]


def test_fingerprints_tell_a_changed_mart_apart(sqlite_fingerprint: dict) -> None:
    changed = json.loads(json.dumps(sqlite_fingerprint))
    changed["customer_segments"]["total_sales_amount"]["millionths"] += 2  # two millionths
    changed["customer_segments"]["customer_segment"]["counts"]["No-Orders"] = -1
    found = differences(sqlite_fingerprint, changed)
    assert [line.split(":")[0] for line in found] == [
        "customer_segments.customer_segment.counts.No-Orders",
        "customer_segments.total_sales_amount.millionths",
    ]
    rounding = json.loads(json.dumps(sqlite_fingerprint))
    rounding["customer_segments"]["total_sales_amount"]["millionths"] -= 1  # a sum rounded the other way
    assert differences(sqlite_fingerprint, rounding) == []


@pytest.mark.parametrize("engine", ENGINES)
def test_engine_builds_the_same_marts_as_sqlite(
    engine: str, engines_project: DbtProject, sqlite_fingerprint: dict, request: pytest.FixtureRequest
) -> None:
    env = request.getfixturevalue("postgres_env") if engine == "postgres" else {}
    started = time.perf_counter()
    result = fingerprint(engines_project, engine, env)
    assert set(result) >= HISTORY_MARTS, f"{engine} has no segment history marts"
    found = differences(sqlite_fingerprint, result)
    print(
        f"\n{engine}: fingerprint {digest(result)} (sqlite {digest(sqlite_fingerprint)}), "
        f"build and fingerprint {time.perf_counter() - started:.0f} s"
    )
    assert not found, f"{engine} differs from sqlite in {len(found)} places:\n" + "\n".join(found[:40])


@pytest.mark.parametrize("engine", ["duckdb", "postgres"])
def test_bulk_loaded_tables_build_the_same_marts(
    engine: str, engines_project: DbtProject, sqlite_fingerprint: dict, request: pytest.FixtureRequest
) -> None:
    """python -m segments.bulk_load on the engine's native path (read_csv, COPY) instead of dbt seed."""
    env = request.getfixturevalue("postgres_env") if engine == "postgres" else {}
    label = f"{engine}-bulk"
    env = {**env, "SEGMENTS_PG_SCHEMA": "segments_bulk"}
    loaded = bulk_load(engines_project, engine, label, env, "--data-dir", str(engines_project.root / "seeds"))
    assert loaded.returncode == 0, loaded.stderr
    # The history's one snapshot of this build against SQLite's replayed days: left out here.
    result = fingerprint(engines_project, engine, env, label, seed=False, history=False)
    expected = {name: value for name, value in sqlite_fingerprint.items() if name not in HISTORY_MARTS}
    found = differences(
        expected, {name: value for name, value in result.items() if name not in HISTORY_MARTS}
    )
    assert not found, f"bulk-loaded {engine} differs from sqlite in {len(found)} places:\n" + "\n".join(
        found[:40]
    )


RAW_TABLES = ["customers", "orders", "products", "order_items", "customer_feedback"]

# Run with the spark venv's python in a label's warehouse, in a session set up as the spark target
# (segments.bulk_load.spark's): the schema's tables, and per raw table DESCRIBE's columns and types, the row
# count and an order-independent checksum (the sum of a 64-bit hash of each row as JSON, which
# names every non-NULL column) as JSON on stdout.
SPARK_RAW_TABLES = """
import json, os, sys
from pathlib import Path
from segments.bulk_load.spark import start_session

warehouse = os.environ["SEGMENTS_WAREHOUSE_DIR"]
session = start_session(warehouse, Path(warehouse) / "spark-compare.log")
found = {"tables": sorted(row.tableName for row in session.sql("show tables in segments").collect())}
for table in sys.argv[1:]:
    described = session.sql(f"describe table segments.{table}").collect()
    columns = [[row.col_name, row.data_type] for row in described]
    rows, checksum = session.sql(
        "select count(*), cast(sum(cast(xxhash64(to_json(struct(*))) as decimal(38, 0))) as string)"
        f" from segments.{table}"
    ).first()
    found[table] = {"columns": columns, "rows": rows, "checksum": checksum}
session.stop()
print(json.dumps(found))
"""


def spark_raw_tables(project: DbtProject, label: str) -> subprocess.Popen[str]:
    """Start reading the label's Spark raw tables (SPARK_RAW_TABLES); `finished` collects them."""
    return subprocess.Popen(
        [str(engine_dbt("spark").parent / "python"), "-c", SPARK_RAW_TABLES, *RAW_TABLES],
        cwd=project.root,
        env=engine_env(project, label, {}),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finished(reading: subprocess.Popen[str]) -> dict:
    stdout, stderr = reading.communicate(timeout=300)
    assert reading.returncode == 0, stderr[-4000:]
    return json.loads(stdout)


def test_spark_bulk_load_fills_the_tables_dbt_seed_fills(engines_project: DbtProject, tmp_path: Path) -> None:
    """python -m segments.bulk_load --target spark (spark.read.csv into parquet tables) against the raw
    tables `dbt seed --target spark` made from the same seeds in the spark build above: the same
    tables, columns, types and rows. Then a malformed CSV stops it with exit 1 and one line naming
    the file, and the table it was to replace stays as it was. No second build (Spark's takes
    minutes): the models read these tables as they read dbt seed's."""
    seeded_label = "spark"
    if not (engines_project.root / "warehouse" / seeded_label / "spark-metastore").exists():
        # Run on its own, without the spark build: seed only.
        (engines_project.root / "warehouse" / seeded_label).mkdir(parents=True, exist_ok=True)
        run_dbt(engines_project, "spark", seeded_label, {}, "seed")
    started = time.perf_counter()
    seeded = spark_raw_tables(engines_project, seeded_label)  # alongside the load: another JVM
    try:
        label = "spark-bulk"
        loaded = bulk_load(
            engines_project, "spark", label, {}, "--data-dir", str(engines_project.root / "seeds")
        )
        assert loaded.returncode == 0, loaded.stderr
        assert loaded.stderr == "", loaded.stderr  # Spark's logging goes to its log file

        bad_seeds = tmp_path / "seeds"
        bad_seeds.mkdir()
        (bad_seeds / "orders.csv").write_text(
            "order_id,customer_id,order_date,amount\n1,1,2026-01-01,10.00\n2,1\n3,1,2026-01-02,5.00\n"
        )
        failed = bulk_load(
            engines_project, "spark", label, {}, "--data-dir", str(bad_seeds), "--tables", "orders"
        )
        assert failed.returncode == 1, failed.stdout
        assert len(failed.stderr.strip().splitlines()) == 1, failed.stderr
        assert str(bad_seeds / "orders.csv") in failed.stderr
        assert "Malformed CSV record" in failed.stderr

        expected, actual = finished(seeded), finished(spark_raw_tables(engines_project, label))
    finally:
        if seeded.poll() is None:
            seeded.kill()
            seeded.wait()
    took = time.perf_counter() - started
    print(f"\nspark: {loaded.stdout.strip()}; load, bad load and comparison {took:.0f} s")
    # Only the raw tables: no `__bulk_loading` table left behind, by the good load or the bad one.
    assert actual["tables"] == sorted(RAW_TABLES)
    for table in RAW_TABLES:
        assert expected[table]["rows"] > 0, table
        assert actual[table] == expected[table], table
