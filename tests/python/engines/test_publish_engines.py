"""python -m segments.publish on DuckDB and PostgreSQL: the marts built there, read through
segments.warehouse, give the same export rows and the same report (charts left out: their PNG bytes
may differ in a float's last bit) as the marts built on SQLite from the same seeds.

Run by `make test-engines` (marker `engines`) with the engine venvs; PostgreSQL is the throwaway
cluster of conftest.py's postgres_env.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from support import AS_OF, BIN, REPO, DbtProject, copy_project

pytestmark = pytest.mark.engines


def engine_bin(engine: str) -> Path:
    folder = BIN if engine == "sqlite" else REPO / f".venv-{engine}" / "bin"
    if not (folder / "dbt").exists():
        pytest.fail(f"{folder / 'dbt'} is missing: `make test-engines` creates the engine venvs")
    return folder


def run(
    project: DbtProject, engine: str, env: dict[str, str], *argv: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*argv],
        cwd=project.root,
        env={
            **os.environ,
            "DBT_PROFILES_DIR": str(project.root),
            "SEGMENTS_AS_OF": AS_OF,
            "SEGMENTS_WAREHOUSE_DIR": str(project.root / "warehouse" / engine),
            "SEGMENTS_TARGET": engine,
            "PYTHONPATH": str(REPO),
            **env,
        },
        capture_output=True,
        text=True,
        check=False,
    )


def build_and_publish(project: DbtProject, engine: str, env: dict[str, str]) -> Path:
    """dbt seed and dbt build on the engine, then python -m segments.publish (its target from
    SEGMENTS_TARGET) into out/<engine>/."""
    folder = engine_bin(engine)
    (project.root / "warehouse" / engine).mkdir(parents=True, exist_ok=True)
    for command in ("seed", "build"):
        result = run(project, engine, env, str(folder / "dbt"), "--no-use-colors", command)
        assert result.returncode == 0, f"dbt {command} on {engine} failed:\n{result.stdout[-6000:]}"
    out = project.root / "out" / engine
    published = run(
        project, engine, env, str(folder / "python"), "-m", "segments.publish",
        "--exports", str(out / "exports"), "--reports", str(out / "reports"),
    )  # fmt: skip
    assert published.returncode == 0, published.stderr
    status = run(project, engine, env, str(folder / "python"), "-m", "segments.publish.status")
    assert status.returncode == 0 and status.stdout.startswith("fresh: "), status.stdout + status.stderr
    return out


def report_text(out: Path) -> str:
    """The report without its embedded charts."""
    page = (out / "reports" / "index.html").read_text(encoding="utf-8")
    return re.sub(r'<img alt="([^"]*)" src="data:image/png;base64,[^"]*">', r"<img \1>", page)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> DbtProject:
    project = copy_project(tmp_path_factory.mktemp("publish_engines") / "segments")
    generated = project.generate()
    assert generated.returncode == 0, generated.stderr
    return project


@pytest.fixture(scope="module")
def on_sqlite(project: DbtProject) -> Path:
    return build_and_publish(project, "sqlite", {})


@pytest.mark.parametrize("engine", ["duckdb", "postgres"])
def test_publish_gives_the_same_exports_and_report_as_on_sqlite(
    engine: str, project: DbtProject, on_sqlite: Path, request: pytest.FixtureRequest
) -> None:
    env = request.getfixturevalue("postgres_env") if engine == "postgres" else {}
    out = build_and_publish(project, engine, {**env, "SEGMENTS_PG_SCHEMA": "segments_publish"})
    expected = (on_sqlite / "exports" / "customers_enriched.csv").read_text(encoding="utf-8").splitlines()
    found = (out / "exports" / "customers_enriched.csv").read_text(encoding="utf-8").splitlines()
    assert len(found) == len(expected) > 1
    assert [row for row in found if row not in set(expected)] == []
    assert found == expected
    assert report_text(out) == report_text(on_sqlite)
    charts = sorted(path.name for path in (out / "reports" / "charts").iterdir())
    assert charts == sorted(path.name for path in (on_sqlite / "reports" / "charts").iterdir())
