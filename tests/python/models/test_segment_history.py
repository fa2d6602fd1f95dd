"""The segment history (docs/segment-history.md): `python -m segments.history` replays the last days
of the demo data, one snapshot a day; on every day the snapshot, customer_segment_history and
segment_migrations hold the segments computed here in Python from the orders up to that day. The
same day snapshotted again adds no row. The backfill runs on a copy of the session's built
warehouse, so no build of its own."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from support import AS_OF, REPO, DbtProject, copy_project

DAYS = 6
LAST = date.fromisoformat(AS_OF)
REPLAYED = [(LAST - timedelta(days=DAYS - 1 - offset)).isoformat() for offset in range(DAYS)]
# The default thresholds (dbt_project.yml), in cents.
HIGH_CENTS, MEDIUM_CENTS = 500_000, 100_000
SNAPSHOT_COLUMNS = (
    "customer_id, customer_segment, total_sales_amount, number_of_orders, dbt_valid_from, dbt_valid_to"
)


def history_command(project: DbtProject, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m segments.history ARGS` in the copy, as of AS_OF."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("SEGMENTS_")}
    env.update({"DBT_PROFILES_DIR": str(project.root), "NO_COLOR": "1", "SEGMENTS_AS_OF": AS_OF})
    env["PYTHONPATH"] = str(project.root)
    return subprocess.run(
        [sys.executable, "-m", "segments.history", *args],
        cwd=project.root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def segment(cents: int) -> str:
    if cents > HIGH_CENTS:
        return "High-Value"
    if cents >= MEDIUM_CENTS:
        return "Medium-Value"
    return "Low-Value" if cents > 0 else "No-Orders"


@dataclass
class History:
    project: DbtProject
    output: str
    # Per replayed day, customer_id -> (segment, cents, orders), computed in Python.
    expected: dict[str, dict[int, tuple[str, int, int]]]

    def snapshot(self) -> list[tuple]:
        return sorted(
            self.project.query(f"select {SNAPSHOT_COLUMNS} from customer_segment_snapshots"), key=repr
        )


@pytest.fixture(scope="module")
def history(built_project: DbtProject, tmp_path_factory: pytest.TempPathFactory) -> History:
    project = copy_project(tmp_path_factory.mktemp("history") / "segments")
    project.warehouse.parent.mkdir(exist_ok=True)
    shutil.copy(built_project.warehouse, project.warehouse)
    for seed in (built_project.root / "seeds").glob("*.csv"):
        shutil.copy(seed, project.root / "seeds" / seed.name)
    replayed = history_command(project, "--days", str(DAYS))
    assert replayed.returncode == 0, replayed.stdout[-3000:] + replayed.stderr[-3000:]

    # From the staged tables the build wrote (cleaned as the input contract says), independently of
    # the snapshot's SQL: a customer counts on a day once registered or once they ordered.
    customers = dict(project.query("select customer_id, registration_date from stg_customers"))
    orders = project.query("select customer_id, order_date, cast(amount as text) from stg_orders")
    expected = {}
    for day in REPLAYED:
        totals: dict[int, list[int]] = {}
        for customer_id, order_date, amount in orders:
            if order_date <= day:
                total = totals.setdefault(customer_id, [0, 0])
                total[0] += int((Decimal(amount) * 100).to_integral_value())
                total[1] += 1
        present = {id_ for id_, registered in customers.items() if registered <= day} | set(totals)
        expected[day] = {
            id_: (segment(totals.get(id_, [0, 0])[0]), *totals.get(id_, [0, 0])) for id_ in present
        }
    return History(project, replayed.stdout, expected)


def state_on(rows: list[tuple], day: str) -> dict[int, tuple[str, int, int]]:
    """customer_id -> (segment, cents, orders) of the snapshot rows that hold on `day`."""
    return {
        row[0]: (row[1], int((Decimal(str(row[2])) * 100).to_integral_value()), row[3])
        for row in rows
        if row[4] <= day and (row[5] is None or row[5] > day) and row[5] != row[4]
    }


def test_the_backfill_prints_one_line_naming_the_days(history: History) -> None:
    line = (
        f"segment history: {DAYS} day(s), {REPLAYED[0]} to {AS_OF}, one snapshot a day; "
        "customer_segment_history and segment_migrations published"
    )
    assert re.fullmatch(re.escape(line) + r" \([0-9.]+ s\)\n", history.output), history.output


def test_every_day_of_the_snapshot_holds_the_segments_from_the_orders_up_to_it(history: History) -> None:
    rows = history.snapshot()
    assert min(row[4] for row in rows) == REPLAYED[0]
    moved = 0
    for day, expected in history.expected.items():
        assert state_on(rows, day) == expected, day
        moved += day != REPLAYED[0] and expected != history.expected[REPLAYED[REPLAYED.index(day) - 1]]
    # Something happens in the replayed days, or this test would compare one state six times.
    assert moved >= 3


def test_customer_segment_history_has_each_days_segment(history: History) -> None:
    periods = history.project.query(
        "select customer_id, customer_segment, valid_from, valid_to, is_current from customer_segment_history"
    )
    for day, expected in history.expected.items():
        found = {
            customer_id: segment_name
            for customer_id, segment_name, valid_from, valid_to, _ in periods
            if valid_from <= day and (valid_to is None or valid_to > day)
        }
        assert found == {customer_id: state[0] for customer_id, state in expected.items()}, day
    assert {row[0] for row in periods if row[4] == 1} == set(history.expected[AS_OF])
    assert all((row[3] is None) == (row[4] == 1) for row in periods)


def test_segment_migrations_count_every_customer_once_per_period(history: History) -> None:
    """Each period's matrix as computed here: from each customer's segment on the first day ('New'
    if not there yet) to their segment on the last, with their totals in cents on both days."""
    migrations = history.project.query(
        "select period_type, period_start, period_end, from_segment, to_segment, customers,"
        " cast(sales_amount_before as text), cast(sales_amount_after as text) from segment_migrations"
    )
    periods = {(row[0], row[1], row[2]) for row in migrations}
    # Snapshot periods between the days the history changed, and June as one month.
    assert ("month", REPLAYED[0], AS_OF) in periods
    assert len([period for period in periods if period[0] == "snapshot"]) >= 3
    for period_type, start, end in periods:
        # The first snapshot date is the history's opening: everyone from New.
        before, after = ({} if start == end else history.expected[start]), history.expected[end]
        matrix: Counter = Counter()
        for customer_id, (to_segment, cents_after, _) in after.items():
            from_segment, cents_before = before[customer_id][:2] if customer_id in before else ("New", 0)
            matrix[(from_segment, to_segment, "customers")] += 1
            matrix[(from_segment, to_segment, "before")] += cents_before
            matrix[(from_segment, to_segment, "after")] += cents_after
        found: Counter = Counter()
        for row in migrations:
            if (row[0], row[1], row[2]) == (period_type, start, end):
                found[(row[3], row[4], "customers")] += row[5]
                found[(row[3], row[4], "before")] += int(Decimal(row[6]) * 100)
                found[(row[3], row[4], "after")] += int(Decimal(row[7]) * 100)
        assert found == matrix, (period_type, start, end)


def test_the_report_shows_the_months_matrix_and_the_segment_sizes(history: History, tmp_path: Path) -> None:
    """The report's matrix of the last month: from each customer's segment on its first snapshot day
    to their segment on its last, as computed here; the chart of segment sizes beside it."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("SEGMENTS_")}
    folders = ["--exports", str(tmp_path / "exports"), "--reports", str(tmp_path / "reports")]
    result = subprocess.run(
        [sys.executable, "-m", "segments.publish", "--warehouse", str(history.project.warehouse), *folders],
        cwd=history.project.root,
        env={**env, "PYTHONPATH": str(history.project.root)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "reports" / "charts" / "segment_sizes.png").stat().st_size > 10_000
    page = (tmp_path / "reports" / "index.html").read_text(encoding="utf-8")
    movement = page[page.index('id="segment-movement"') :]
    movement = movement[: movement.index("</table>")]
    headers = re.findall(r'<th class="num" scope="col">([^<]+)</th>', movement)
    rows = {
        cells[0]: dict(zip(headers, (int(cell.replace(",", "")) for cell in cells[1:]), strict=True))
        for cells in (
            re.findall(r"<td[^>]*>([^<]+)</td>", row) for row in re.findall(r"<tr><td>.*?</tr>", movement)
        )
    }
    start, end = history.expected[REPLAYED[0]], history.expected[AS_OF]
    expected = Counter((start[id_][0] if id_ in start else "New", state[0]) for id_, state in end.items())
    found = {(from_, to): count for from_, counts in rows.items() for to, count in counts.items() if count}
    assert found == dict(expected)
    assert f"From {REPLAYED[0]} to {AS_OF}" in movement


def test_the_same_day_again_adds_no_row(history: History) -> None:
    """The backfill's last day snapshotted again (the daily refresh's own snapshot of the same day
    is tests/python/models/test_incremental.py's)."""
    before = history.snapshot()
    again = history.project.dbt("snapshot", "--vars", f"{{segment_history_date: '{AS_OF}'}}")
    assert again.returncode == 0, again.stdout[-3000:]
    assert history.snapshot() == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--days", "0"], "argument --days: --days must be from 1 to 3660, got 0"),
        (["--days", "two"], "argument --days: --days must be a whole number of days, got 'two'"),
        (
            ["--as-of", "2026-02-30"],
            "argument --as-of: --as-of must be a date as YYYY-MM-DD, got '2026-02-30'",
        ),
    ],
)
def test_a_bad_argument_is_one_line(args: list[str], message: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "segments.history", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [f"python -m segments.history: error: {message}"]
    assert result.stdout == ""


# Last in the module: it rewinds the history the tests above read.
def test_a_snapshot_of_an_earlier_day_rewinds_the_history_to_it(history: History) -> None:
    """As-of dates only move forward: a snapshot for a day before the history's last (data with an
    earlier as-of date) first drops what the history holds after that day, then compares."""
    day = REPLAYED[2]
    result = history.project.dbt("snapshot", "--vars", f"{{segment_history_date: '{day}'}}")
    assert result.returncode == 0, result.stdout[-3000:]
    rows = history.snapshot()
    assert max(row[4] for row in rows) <= day
    assert all(row[5] is None or row[5] <= day for row in rows)
    assert state_on(rows, day) == history.expected[day]
    assert len([row for row in rows if row[5] is None]) == len(history.expected[day])
