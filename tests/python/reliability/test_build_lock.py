"""One build at a time per warehouse (macros/build_lock/): a `dbt build`, `run`, `retry` or `seed`
takes the lock in on-run-start and gives it back in on-run-end; a second one on the same warehouse
stops at once, before any node, with one line naming the build that holds it. Commands that write
no mart (test, show, docs generate, run-operation) ignore it."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from support import AS_OF, BIN, DbtProject

HELD = "another build is running on this warehouse"
RELEASE = "dbt run-operation release_build_lock"
# A quick command that takes the lock: one staging model and its tests.
QUICK_BUILD = ("build", "--select", "stg_customers")


@pytest.fixture
def project(built_project: DbtProject, tmp_path: Path) -> DbtProject:
    """A copy of the session's built project, warehouse and target/ included, for one test."""
    shutil.copytree(built_project.root, tmp_path / "segments")
    return DbtProject(tmp_path / "segments")


def lock_rows(project: DbtProject) -> list[tuple]:
    return project.query("select lock_name, invocation_id, command, started_at from build_lock")


def hold_lock(project: DbtProject, invocation_id: str, started: datetime | None = None) -> None:
    """A lock row as a running build leaves it."""
    started_at = (started or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M:%S")
    with sqlite3.connect(project.warehouse) as connection:
        connection.execute(
            "insert into build_lock (lock_name, invocation_id, command, started_at)"
            " values ('build', ?, 'build', ?)",
            (invocation_id, started_at),
        )


def held_line(output: str) -> str:
    """The one line that refuses a build."""
    lines = [line for line in output.splitlines() if HELD in line]
    assert len(lines) == 1, output[-3000:]
    return lines[0]


def build_count(project: DbtProject) -> int:
    return project.query("select count(*) from build_runs")[0][0]


def assert_refused(project: DbtProject, result: subprocess.CompletedProcess[str], holder: str) -> None:
    """Refused naming `holder`, with the way out, before any node ran."""
    assert result.returncode != 0, result.stdout[-3000:]
    line = held_line(result.stdout)
    assert f"invocation {holder}" in line
    assert "dbt build since " in line
    assert RELEASE in line
    assert " START " not in result.stdout.replace("START hook", ""), result.stdout[-3000:]


def test_a_build_stops_at_once_while_another_holds_the_lock(project: DbtProject) -> None:
    assert lock_rows(project) == [], "the fixture's build left its lock"
    before = project.mart_rows()
    builds = build_count(project)
    hold_lock(project, "running-build-1")
    # make build's two dbt commands.
    for args in (("seed",), ("build", "--full-refresh")):
        assert_refused(project, project.dbt(*args), "running-build-1")
    assert project.mart_rows() == before
    assert build_count(project) == builds, "a refused build recorded its start"
    assert lock_rows(project)[0][1] == "running-build-1"


def test_the_lock_is_released_after_a_failing_build(project: DbtProject) -> None:
    mart = project.root / "models" / "marts" / "segmentation" / "customer_segment_summary.sql"
    good = mart.read_text()
    mart.write_text("select json_extract('{not json', '$.a') as broken\n")
    failed = project.dbt("run", "--select", "customer_segment_summary")
    assert failed.returncode != 0
    assert "malformed JSON" in failed.stdout
    assert lock_rows(project) == []
    mart.write_text(good)
    rebuilt = project.dbt("build", "--select", "customer_segment_summary")
    assert rebuilt.returncode == 0, rebuilt.stdout[-3000:]
    assert lock_rows(project) == []


def test_the_release_operation_frees_a_stale_lock(project: DbtProject) -> None:
    hold_lock(project, "killed-build-1")
    released = project.dbt("run-operation", "release_build_lock")
    assert released.returncode == 0, released.stdout[-3000:]
    assert "released the build lock of dbt build since " in released.stdout
    assert "invocation killed-build-1" in released.stdout
    assert lock_rows(project) == []
    again = project.dbt("run-operation", "release_build_lock")
    assert "no build lock to release" in again.stdout
    built = project.dbt(*QUICK_BUILD)
    assert built.returncode == 0, built.stdout[-3000:]


@pytest.mark.parametrize("stale", ["expired", "finished"])
def test_a_stale_lock_is_taken_over(project: DbtProject, stale: str) -> None:
    if stale == "expired":
        # Older than build_lock_expiry_hours (6 by default).
        hold_lock(project, "old-build-1", datetime.now(UTC) - timedelta(hours=7))
        holder = "old-build-1"
    else:
        # Its on-run-end recorded its finish, then a failing hook skipped the release.
        finished = project.query("select invocation_id from build_runs where finished_at is not null")
        holder = finished[-1][0]
        hold_lock(project, holder)
    built = project.dbt(*QUICK_BUILD)
    assert built.returncode == 0, built.stdout[-3000:]
    assert "taking over the stale build lock of dbt build since " in built.stdout
    assert f"invocation {holder}" in built.stdout
    assert lock_rows(project) == []


def test_commands_that_write_no_mart_ignore_the_lock(project: DbtProject) -> None:
    hold_lock(project, "running-build-2")
    held = lock_rows(project)
    for args in (
        ("test", "--select", "stg_customers"),
        ("show", "--select", "customer_segment_summary", "--limit", "3"),
        ("docs", "generate"),
    ):
        result = project.dbt(*args)
        assert result.returncode == 0, f"dbt {' '.join(args)}:\n{result.stdout[-3000:]}"
        assert HELD not in result.stdout
    assert lock_rows(project) == held


def test_ctrl_c_leaves_the_lock_until_it_is_released(project: DbtProject, tmp_path: Path) -> None:
    """dbt skips on-run-end after Ctrl-C (SIGINT): the lock stays, and the next build is refused
    naming the interrupted one until the lock is released."""
    log = tmp_path / "first.log"
    env = {**os.environ, "DBT_PROFILES_DIR": str(project.root), "NO_COLOR": "1", "SEGMENTS_AS_OF": AS_OF}
    with open(log, "wb") as output:
        first = subprocess.Popen(
            [str(BIN / "dbt"), "--no-use-colors", "build", "--full-refresh"],
            cwd=project.root,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 120
        while not lock_rows(project):
            assert first.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, "the build never took the lock"
            time.sleep(0.05)
        (_, holder, command, _) = lock_rows(project)[0]
        assert command == "build"
        first.send_signal(signal.SIGINT)
        assert first.wait(timeout=120) != 0
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    assert [row[1] for row in lock_rows(project)] == [holder]
    assert_refused(project, project.dbt(*QUICK_BUILD), holder)
    assert project.dbt("run-operation", "release_build_lock").returncode == 0
    built = project.dbt(*QUICK_BUILD)
    assert built.returncode == 0, built.stdout[-3000:]
    assert lock_rows(project) == []
