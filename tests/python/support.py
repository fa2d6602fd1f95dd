"""Shared fixtures: a copy of the dbt project in a temporary directory, so every test run
builds a fresh warehouse and never touches the user's seeds/ or warehouse/."""

from __future__ import annotations

import csv
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
AS_OF = "2026-06-30"
# customer_segments, exactly these columns in this order.
SEGMENT_COLUMNS = [
    "customer_id",
    "customer_name",
    "registration_date",
    "total_sales_amount",
    "number_of_orders",
    "customer_segment",
]
# Every model in models/marts/<area>/ (all are tables), the tables the reliability suites compare.
MARTS = sorted(path.stem for path in (REPO / "models" / "marts").rglob("*.sql"))
# What a project copy needs; generated and installed things stay behind.
PROJECT_IGNORE = shutil.ignore_patterns(
    ".venv*",
    ".git",
    "target",
    "logs",
    "*.db",
    "*.duckdb",
    "*.csv",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    "derby.log",
    "metastore_db",
    "spark-*",
)


@dataclass
class DbtProject:
    root: Path
    # run_results.json of the fixture's `dbt build`, kept before later dbt commands overwrite it.
    build_results: list[dict] = field(default_factory=list)

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse" / "segments.db"

    def generate(self, *args: str) -> subprocess.CompletedProcess[str]:
        return run_generator("--out", str(self.root / "seeds"), "--as-of", AS_OF, *args)

    def dbt(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        """`dbt ARGS` in this copy; `env` adds to (or, with "", clears) the environment."""
        env = {
            **os.environ,
            "DBT_PROFILES_DIR": str(self.root),
            "NO_COLOR": "1",
            "SEGMENTS_AS_OF": AS_OF,
            **(env or {}),
        }
        return subprocess.run(
            [str(BIN / "dbt"), "--no-use-colors", *args],
            cwd=self.root,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )

    def seed_and_build(self, *args: str) -> subprocess.CompletedProcess[str]:
        """`dbt seed` (the generator's CSVs into the raw tables), then `dbt build ARGS`: the two
        commands a user runs. The seed's result when it fails."""
        seeded = self.dbt("seed")
        if seeded.returncode != 0:
            return seeded
        return self.dbt("build", *args)

    def query(self, sql: str) -> list[tuple]:
        with sqlite3.connect(self.warehouse) as connection:
            return connection.execute(sql).fetchall()

    def mart_rows(self) -> dict[str, list[str] | None]:
        """Every mart's rows as their reprs (so 1 and 1.0 differ), sorted, so the comparison does
        not depend on the order a table returns them in; None for a mart that does not exist."""
        tables = {name for (name,) in self.query("select name from sqlite_master where type = 'table'")}
        return {
            mart: sorted(repr(row) for row in self.query(f"select * from {mart}")) if mart in tables else None
            for mart in MARTS
        }

    def make_command(self, *args: str) -> tuple[list[str], dict[str, str]]:
        """argv and environment for `make ARGS` in this copy, reusing the current environment
        (VENV points at it, and -o marks its install stamps as done so nothing is reinstalled)."""
        venv = Path(sys.prefix)
        if venv == Path(sys.base_prefix):
            pytest.fail("run the tests from the project's virtual environment (make test does)")
        stamps = [f"{venv}/.installed-runtime", f"{venv}/.installed-dev"]
        argv = ["make", *args, f"VENV={venv}", *(arg for stamp in stamps for arg in ("-o", stamp))]
        # Not the make that runs the tests (make test): its level and flags would make this one print
        # its directories and pass on its own options.
        inherited = {
            key: value for key, value in os.environ.items() if key not in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS")
        }
        env = {**inherited, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "NO_COLOR": "1"}
        return argv, env

    def make(self, *args: str) -> subprocess.CompletedProcess[str]:
        argv, env = self.make_command(*args)
        return subprocess.run(argv, cwd=self.root, env=env, capture_output=True, text=True, check=False)

    def read_seed(self, name: str) -> list[dict[str, str]]:
        with open(self.root / "seeds" / f"{name}.csv", newline="", encoding="utf-8") as stream:
            return list(csv.DictReader(stream))


def run_module(module: str, *args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    """`python -m module args` with this repo's packages importable."""
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        check=False,
    )


def run_generator(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return run_module("seeds_gen", *args, cwd=cwd)


def copy_project(destination: Path) -> DbtProject:
    shutil.copytree(REPO, destination, ignore=PROJECT_IGNORE)
    return DbtProject(destination)


@pytest.fixture(scope="session")
def built_project(tmp_path_factory: pytest.TempPathFactory) -> DbtProject:
    """The default seeds, loaded with `dbt seed` and built once with `dbt build` (models, data and
    unit tests)."""
    project = copy_project(tmp_path_factory.mktemp("built") / "segments")
    generated = project.generate()
    assert generated.returncode == 0, generated.stderr
    result = project.seed_and_build()
    assert result.returncode == 0, f"dbt build failed:\n{result.stdout[-6000:]}"
    project.build_results = json.loads((project.root / "target" / "run_results.json").read_text())["results"]
    return project


# The reliability suites (README, "Reliability"): a test joins one with its marker. A test that
# tries many cases (the SIGKILL test kills dbt build again and again) reports them with
# record_property("cases_tried", n) and record_property("cases_passed", m); any other counts one.
RELIABILITY_SUITES = {
    "bad_input": "bad input",
    "faults": "faults",
    "determinism": "determinism",
}


def suite_cases(report: pytest.TestReport) -> tuple[int, int]:
    properties = dict(report.user_properties)
    passed = 1 if report.passed else 0
    return int(properties.get("cases_tried", 1)), int(properties.get("cases_passed", passed))


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    write_fuzz_summary(terminalreporter)
    totals = {suite: [0, 0] for suite in RELIABILITY_SUITES}
    for reports in terminalreporter.stats.values():
        for report in reports:
            if not isinstance(report, pytest.TestReport) or report.when != "call":
                continue
            for suite in RELIABILITY_SUITES:
                if suite in report.keywords:
                    tried, passed = suite_cases(report)
                    totals[suite][0] += tried
                    totals[suite][1] += passed if report.passed else 0
    if not any(tried for tried, _ in totals.values()):
        return
    parts = [
        f"{RELIABILITY_SUITES[suite]} {tried} tried, {passed} passed"
        for suite, (tried, passed) in totals.items()
    ]
    terminalreporter.write_line("reliability cases: " + "; ".join(parts))


# The fuzzer (test_fuzz.py, marker fuzz) counts its Hypothesis examples with record_property
# ("fuzz_tried", "fuzz_refused", "fuzz_built"): user_properties travel in the report, so the counts
# survive pytest-xdist's worker boundary. An example passed when it was refused or built right.
def write_fuzz_summary(terminalreporter: pytest.TerminalReporter) -> None:
    counts = {"fuzz_tried": 0, "fuzz_refused": 0, "fuzz_built": 0}
    for reports in terminalreporter.stats.values():
        for report in reports:
            if isinstance(report, pytest.TestReport) and report.when == "call" and "fuzz" in report.keywords:
                for key, value in report.user_properties:
                    if key in counts:
                        counts[key] += int(value)
    if not counts["fuzz_tried"]:
        return
    refused, built = counts["fuzz_refused"], counts["fuzz_built"]
    terminalreporter.write_line(
        f"fuzz: {counts['fuzz_tried']} examples tried, {refused + built} passed ({refused} refused by a"
        f" named check, {built} built and equal to the independent computation)"
    )
