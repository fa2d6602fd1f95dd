"""Fixtures and report lines for the whole suite. The helpers the test modules share (DbtProject,
copy_project, AS_OF, MARTS, rewrite_seed, append_day, ...) are in support.py, imported as
`from support import ...`; a folder's own fixtures stay in its test modules."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import DbtProject, copy_project, free_port

PG_BIN = Path(os.environ.get("SEGMENTS_PG_BIN", "/usr/lib/postgresql/15/bin"))


@pytest.fixture(scope="session")
def built_project(tmp_path_factory: pytest.TempPathFactory) -> DbtProject:
    """The default seeds, loaded with `dbt seed` and built once with `dbt build` (models, data and
    unit tests)."""
    project = copy_project(tmp_path_factory.mktemp("built") / "segments")
    generated = project.generate()
    assert generated.returncode == 0, generated.stderr
    result = project.seed_and_build()
    assert result.returncode == 0, f"dbt build failed:\n{result.stdout[-6000:]}"
    project.build_results = project.run_results()
    return project


@pytest.fixture(scope="session")
def postgres_env() -> Iterator[dict[str, str]]:
    """A throwaway PostgreSQL cluster: Debian's server refuses root, so it runs as `postgres`."""
    if not (PG_BIN / "initdb").exists():
        pytest.fail(f"PostgreSQL server binaries not found in {PG_BIN} (set SEGMENTS_PG_BIN)")
    directory = Path(tempfile.mkdtemp(prefix="segments-pg-"))
    shutil.chown(directory, user="postgres")
    port = free_port()
    data, log = directory / "data", directory / "server.log"

    def as_postgres(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["runuser", "-u", "postgres", "--", *argv], capture_output=True, text=True, check=False
        )

    try:
        initdb = as_postgres(str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres")
        assert initdb.returncode == 0, initdb.stderr
        options = f"-c listen_addresses=127.0.0.1 -p {port} -k {directory} -c fsync=off"
        started = as_postgres(
            str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "start"
        )
        assert started.returncode == 0, started.stderr + (log.read_text() if log.exists() else "")
        yield {"SEGMENTS_PG_HOST": "127.0.0.1", "SEGMENTS_PG_PORT": str(port)}
    finally:
        if (data / "postmaster.pid").exists():
            as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(directory, ignore_errors=True)


# The reliability suites (docs/reliability.md): a test joins one with its marker. A test that
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


# The fuzzer (reliability/test_fuzz.py, marker fuzz) counts its Hypothesis examples with record_property
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
