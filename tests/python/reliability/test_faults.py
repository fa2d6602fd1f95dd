"""Faults (docs/reliability.md, "Faults"): `dbt build` killed with SIGKILL at moments spread over a
whole build, while it publishes and while it takes the segment history's snapshot, and two builds
started at once on one warehouse. Neither may leave a corrupt file, a missing mart, marts that are
not all the last good build's or all the new build's, or a history half written; a rerun heals
everything."""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from support import AS_OF, BIN, MARTS, DbtProject, copy_project, run_generator

pytestmark = pytest.mark.faults

KILLS = 20
NEW_DAY = (date.fromisoformat(AS_OF) + timedelta(days=1)).isoformat()
# The builds after the appended day run as of that day (its orders are not "after the as-of date").
NEW_AS_OF = ("--vars", f"{{as_of_date: '{NEW_DAY}'}}")

Marts = dict[str, list[str] | None]


def integrity(warehouse: Path) -> str:
    # Opening the file after a kill rolls back the interrupted transaction from its journal, as any
    # next reader or writer would.
    with sqlite3.connect(warehouse) as connection:
        return connection.execute("pragma integrity_check").fetchone()[0]


def start_dbt(project: DbtProject, log: Path, *args: str) -> subprocess.Popen[bytes]:
    """`dbt ARGS` in the background, its output to `log` (a pipe nobody reads could fill up)."""
    env = {
        **os.environ,
        "DBT_PROFILES_DIR": str(project.root),
        "NO_COLOR": "1",
        "SEGMENTS_AS_OF": AS_OF,
        # Each line as it happens, for the kills that wait for a model to start.
        "PYTHONUNBUFFERED": "1",
    }
    with open(log, "wb") as output:
        return subprocess.Popen(
            [str(BIN / "dbt"), "--no-use-colors", *args],
            cwd=project.root,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


# The last node of a build has finished: on-run-end, which publishes the marts, runs next.
LAST_NODE_DONE = re.compile(r"\b(\d+) of \1 (OK|PASS|WARN|ERROR|FAIL)\b")


def kill_when(
    build: subprocess.Popen[bytes], log: Path, text: str | re.Pattern | None, seconds: float
) -> bool:
    """SIGKILL the build `seconds` after `text` (a string or a pattern) appears in its log (after
    its start when `text` is None); False when the build finished first (its exit code must then
    be 0)."""

    def seen() -> bool:
        output = log.read_text(errors="replace")
        return text in output if isinstance(text, str) else text.search(output) is not None

    started = time.monotonic()
    while text is not None and not seen():
        if build.poll() is not None:
            assert build.returncode == 0, log.read_text()[-3000:]
            return False
        time.sleep(0.005)
    waited = time.monotonic() - started if text is None else 0.0
    try:
        code = build.wait(timeout=max(seconds - waited, 0.001))
    except subprocess.TimeoutExpired:
        build.send_signal(signal.SIGKILL)
        assert build.wait() == -signal.SIGKILL
        return True
    assert code == 0, log.read_text()[-3000:]
    return False


@pytest.fixture(scope="module")
def built_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[DbtProject, float]:
    """The default seeds built once, and how long that `dbt build` took."""
    project = copy_project(tmp_path_factory.mktemp("faults") / "segments")
    assert project.generate().returncode == 0
    assert project.dbt("seed").returncode == 0
    started = time.monotonic()
    result = project.dbt("build")
    assert result.returncode == 0, result.stdout[-3000:]
    return project, time.monotonic() - started


@pytest.fixture
def project(built_template, tmp_path: Path) -> DbtProject:
    """A copy of the built template, warehouse included, for one test to break."""
    template, _ = built_template
    shutil.copytree(template.root, tmp_path / "segments")
    return DbtProject(tmp_path / "segments")


def test_sigkill_at_any_moment_leaves_the_old_or_the_new_marts(
    project, built_template, record_property, tmp_path
):
    _, build_seconds = built_template
    before = project.mart_rows()
    assert all(rows for rows in before.values()), "the template build left an empty mart"
    # A new day of orders: the killed builds are the daily refresh (plain `dbt build`, incremental)
    # and, every other time, a full rebuild.
    appended = run_generator("--out", str(project.root / "seeds"), "--append-day")
    assert appended.returncode == 0, appended.stderr
    # Into the raw tables first, as a user does; the builds read them.
    assert project.dbt("seed").returncode == 0

    # Half the kills at moments spread evenly over the length of a build, each at a random point of
    # its slice; half a random fraction of a second after a random mart starts, where the old
    # table is replaced. A build that finishes first is checked too, and the kill tried again (a
    # refresh is quicker than the template's first build: the slices shrink to the length it took).
    rng = random.Random(20261121)
    span = build_seconds
    kills = 0
    after_builds: list[Marts] = []
    for attempt in range(2 * KILLS):
        if kills == KILLS:
            break
        args = ("build", *NEW_AS_OF) if attempt % 2 == 0 else ("build", "--full-refresh", *NEW_AS_OF)
        log = tmp_path / f"build-{attempt}.log"
        started = time.monotonic()
        build = start_dbt(project, log, *args)
        if attempt % 3 == 0:
            killed = kill_when(build, log, None, span * (kills + rng.random()) / KILLS)
        elif attempt % 3 == 1:
            killed = kill_when(build, log, f"model main.{rng.choice(MARTS)} ", rng.uniform(0, 0.2))
        else:
            # While on-run-end publishes the marts in one transaction.
            killed = kill_when(build, log, LAST_NODE_DONE, rng.uniform(0, 1.0))
        if killed:
            kills += 1
        else:
            span = 0.9 * (time.monotonic() - started)
        assert integrity(project.warehouse) == "ok", f"build {attempt}: {args}"
        after_builds.append(project.mart_rows())
        if killed:
            # A killed build never runs its on-run-end: its build lock (macros/build_lock/) stays
            # until the user releases it (`dbt run-operation release_build_lock` deletes this row).
            with sqlite3.connect(project.warehouse) as connection:
                connection.execute("delete from build_lock")
    assert kills == KILLS, f"only {kills} builds were killed before they finished"

    # One more build, killed as soon as it logs that it published (or finished, if it exits first):
    # the commit is behind it, so every mart must be the new build's. This kill lands after the
    # publication however slow the machine, so the old-or-new check below is never vacuous.
    log = tmp_path / "build-after-publish.log"
    if kill_when(start_dbt(project, log, "build", *NEW_AS_OF), log, "Published ", 0.001):
        with sqlite3.connect(project.warehouse) as connection:
            connection.execute("delete from build_lock")
    assert integrity(project.warehouse) == "ok"
    after_publish = project.mart_rows()

    healed = project.dbt("build", *NEW_AS_OF)
    assert healed.returncode == 0, healed.stdout[-3000:]
    after_heal = project.mart_rows()
    rebuilt = project.dbt("build", "--full-refresh", *NEW_AS_OF)
    assert rebuilt.returncode == 0, rebuilt.stdout[-3000:]
    new = project.mart_rows()
    assert after_heal == new, "the rerun after the kills differs from a full rebuild"

    # Marts are published all together (macros/publication/): after each kill every mart is the
    # last good build's, or every one is the new build's.
    passed = 0
    for attempt, marts in enumerate(after_builds):
        old_ones = [mart for mart in MARTS if marts[mart] == before[mart]]
        new_ones = [mart for mart in MARTS if marts[mart] == new[mart]]
        assert len(old_ones) == len(MARTS) or len(new_ones) == len(MARTS), (
            f"build {attempt} left marts from two builds, or neither: old {old_ones}, new {new_ones}"
        )
        passed += 1
    # The kills spanned the build: the first left every mart as it was, a later one some new.
    changed = [mart for mart in MARTS if before[mart] != new[mart]]
    assert changed, "the new day changed no mart: the test could not tell old from new"
    assert all(after_builds[0][mart] == before[mart] for mart in MARTS)
    assert after_publish == new, "a build killed after it logged 'Published' left old marts"
    record_property("cases_tried", len(after_builds))
    record_property("cases_passed", passed)

    names = [name for (name,) in project.query("select name from sqlite_master")]
    assert [name for name in names if "__segments_" in name] == []


# The daily refresh of the appended day, whose snapshot ends the current rows of the customers who
# ordered and inserts their new ones (docs/segment-history.md).
REFRESH = ("build", "--selector", "refresh", *NEW_AS_OF)
SNAPSHOT_NODE = "On snapshot.segments.customer_segment_snapshots: "
# The build's snapshot writes a copy of the published one, which on-run-end publishes with the marts.
UNPUBLISHED = 'main."customer_segment_snapshots__segments_unpublished"'
# The statements of the snapshot and of its publication as dbt logs them, each just before running
# it: the copy, the rewind (pre-hook), the staging table, the merge's two steps, the commit, the
# publication's rename.
SNAPSHOT_STATEMENTS = [
    'select * from main."customer_segment_snapshots"\n',
    SNAPSHOT_NODE + "BEGIN",
    UNPUBLISHED + " where dbt_valid_from >",
    UNPUBLISHED + " set dbt_valid_to = null",
    'segments_unpublished__dbt_tmp"',
    UNPUBLISHED + " set dbt_valid_to = (",
    "insert into " + UNPUBLISHED,
    SNAPSHOT_NODE + "COMMIT",
    "RENAME TO customer_segment_snapshots",
]


def kill_at_log_text(build: subprocess.Popen[bytes], dbt_log: Path, text: str, seconds: float) -> str:
    """SIGKILL the build `seconds` after `text` appears in its debug log (a file of its own: dbt
    rotates a shared one, and the lines after a rotation would be missed); the log at its death.
    The build must not finish first."""
    while not dbt_log.exists():
        assert build.poll() is None, "the build finished before writing its log"
        time.sleep(0.001)
    seen = ""
    with open(dbt_log, "rb") as log:
        while text not in seen:
            assert build.poll() is None, f"the build finished before logging {text!r}"
            seen += log.read().decode(errors="replace")
            time.sleep(0.001)
        time.sleep(seconds)
        build.send_signal(signal.SIGKILL)
        assert build.wait() == -signal.SIGKILL
        return seen + log.read().decode(errors="replace")


def test_sigkill_during_the_snapshot_leaves_the_history_before_or_after(project, tmp_path, record_property):
    """The refresh killed at each statement of the snapshot and of its publication, at once and a
    moment later: the snapshot table and the marts are all the ones before the refresh or all the
    ones an uninterrupted refresh publishes, never rows ended without their successors nor a history
    the marts do not show; the next refresh publishes the same as an uninterrupted one."""
    appended = run_generator("--out", str(project.root / "seeds"), "--append-day")
    assert appended.returncode == 0, appended.stderr
    assert project.dbt("seed").returncode == 0

    def history() -> list[tuple]:
        return sorted(project.query("select * from customer_segment_snapshots"), key=repr)

    before = (history(), project.mart_rows())
    # What an uninterrupted refresh publishes, on a copy of the same warehouse.
    reference = DbtProject(tmp_path / "reference")
    shutil.copytree(project.root, reference.root)
    refreshed = reference.dbt(*REFRESH)
    assert refreshed.returncode == 0, refreshed.stdout[-3000:]
    after = (
        sorted(reference.query("select * from customer_segment_snapshots"), key=repr),
        reference.mart_rows(),
    )
    ended = {row[0] for row in before[0]} - {row[0] for row in before[0] if row in after[0]}
    assert ended, "the new day ended no customer's row: the test could not tell half from whole"

    rng = random.Random(20261130)
    inside = 0
    # Each statement at once, then three random ones a random moment after.
    kills = [(text, 0.0) for text in SNAPSHOT_STATEMENTS]
    kills += [(rng.choice(SNAPSHOT_STATEMENTS), rng.uniform(0, 0.02)) for _ in range(3)]
    # Each kill starts from the warehouse before the refresh (one killed after it published would
    # leave the next nothing to write).
    shutil.copytree(project.warehouse.parent, tmp_path / "warehouse-before")
    for attempt, (text, seconds) in enumerate(kills):
        shutil.rmtree(project.warehouse.parent)
        shutil.copytree(tmp_path / "warehouse-before", project.warehouse.parent)
        log_dir = tmp_path / f"refresh-{attempt}"
        build = start_dbt(project, tmp_path / f"refresh-{attempt}.log", *REFRESH, "--log-path", str(log_dir))
        logged = kill_at_log_text(build, log_dir / "dbt.log", text, seconds)
        assert integrity(project.warehouse) == "ok", f"kill {attempt} at {text!r}"
        state = (history(), project.mart_rows())
        assert state in (before, after), f"kill {attempt} at {text!r} (+{seconds:.3f} s): half written"
        merged = "update " + UNPUBLISHED + " set dbt_valid_to = (" in logged
        inside += merged and SNAPSHOT_NODE + "COMMIT" not in logged
    # Some kills landed between the merge's first step (rows ended) and its commit.
    assert inside > 0, "no kill landed inside the snapshot's merge"

    # The refresh after the last kill, the build lock the killed build left released first.
    with sqlite3.connect(project.warehouse) as connection:
        connection.execute("delete from build_lock")
    healed = project.dbt(*REFRESH)
    assert healed.returncode == 0, healed.stdout[-3000:]
    assert (history(), project.mart_rows()) == after
    names = [name for (name,) in project.query("select name from sqlite_master")]
    assert [name for name in names if "__segments_" in name] == []
    record_property("cases_tried", len(kills))
    record_property("cases_passed", len(kills))


def test_two_builds_at_once_one_builds_and_the_other_stops_naming_it(project, tmp_path):
    """The build lock (macros/build_lock/): of two builds started at once on one warehouse, one
    takes the lock and builds; the other stops before any node with one line naming it (or, had it
    started after the first had finished, builds too)."""
    before = project.mart_rows()
    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    first = start_dbt(project, logs[0], "build", "--full-refresh")
    # A second project directory on the same warehouse file, so the two runs do not share dbt's
    # target/ folder: only the warehouse is contended.
    second_root = project.root.parent / "second"
    shutil.copytree(project.root, second_root, ignore=shutil.ignore_patterns("target", "logs", "warehouse"))
    (second_root / "warehouse").symlink_to(project.root / "warehouse")
    second = start_dbt(DbtProject(second_root), logs[1], "build", "--full-refresh")
    codes = [first.wait(), second.wait()]
    outputs = [log.read_text() for log in logs]

    assert 0 in codes, outputs
    for code, output, other_root in zip(codes, outputs, (second_root, project.root), strict=True):
        assert "database is locked" not in output, output[-3000:]
        if code != 0:
            # The build that ran (a refused one writes no run_results.json).
            results = json.loads((other_root / "target" / "run_results.json").read_text())
            held = [line for line in output.splitlines() if "another build is running" in line]
            assert len(held) == 1, output[-3000:]
            assert f"invocation {results['metadata']['invocation_id']}" in held[0]
            assert "dbt run-operation release_build_lock" in held[0]
            assert " START " not in output.replace("START hook", ""), output[-3000:]
    assert integrity(project.warehouse) == "ok"
    assert project.query("select * from build_lock") == []
    assert project.mart_rows() == before
    rerun = project.dbt("build")
    assert rerun.returncode == 0, rerun.stdout[-3000:]
    assert project.mart_rows() == before


@pytest.mark.parametrize(
    ("mart", "args"),
    [("customer_segment_summary", ()), ("customer_segments", ("--full-refresh",))],
    ids=["table", "incremental full refresh"],
)
def test_a_mart_whose_build_fails_keeps_its_last_good_table(project, mart, args):
    before = project.mart_rows()
    # SQL that compiles and starts, then fails inside SQLite (json_extract of malformed JSON), after
    # dbt-sqlite's own materializations would already have dropped the old table.
    # The model keeps its own config() (customer_segments: incremental), only its query breaks.
    path = project.root / "models" / "marts" / "segmentation" / f"{mart}.sql"
    config = re.search(r"\{\{ config\(.*?\) \}\}", path.read_text(), re.S)
    path.write_text(
        (config.group(0) + "\n" if config else "")
        + "select *, json_extract('{not json', '$.a') as broken\nfrom {{ ref('stg_customers') }}\n"
    )
    result = project.dbt("run", "--select", mart, *args)
    assert result.returncode != 0
    assert "malformed JSON" in result.stdout
    assert integrity(project.warehouse) == "ok"
    assert project.mart_rows() == before
