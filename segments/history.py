"""``python -m segments.history --days N``: the segment history over the last N days of the data
(docs/segment-history.md, "Backfill").

The snapshot table (snapshots/customer_segment_snapshots.sql) is dropped and replayed day by day:
for each of the N days up to the as-of date, `dbt snapshot` with the var segment_history_date,
which computes every customer's segment from the orders up to that day. Then `dbt build --select
customer_segment_snapshots+` snapshots the built customer_segments (the last day again: nothing
changes) and builds, tests and publishes customer_segment_history and segment_migrations.

Run it after a build: the days are computed from the staging models the build wrote. dbt runs in
this process: the project is parsed once and each day is one snapshot (well under a second on the
demo data), where a dbt command per day would parse it again for every new var.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
import time
from collections.abc import Sequence
from typing import NoReturn

PROG = "python -m segments.history"
SNAPSHOT = "customer_segment_snapshots"
# Longer makes little sense for a day-by-day replay (one dbt snapshot a day).
MAX_DAYS = 3660
LAST_ORDER_DAY = "select max(order_date) as last_day from {{ ref('stg_orders') }}"


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a bad argument is one readable line (no usage block), exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


class HistoryError(Exception):
    """A dbt step of the backfill failed; the message is one line."""


def positive_days(text: str) -> int:
    try:
        days = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--days must be a whole number of days, got {text!r}") from None
    if not 1 <= days <= MAX_DAYS:
        raise argparse.ArgumentTypeError(f"--days must be from 1 to {MAX_DAYS}, got {days}")
    return days


def iso_day(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--as-of must be a date as YYYY-MM-DD, got {text!r}") from None


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = OneLineParser(
        prog=PROG,
        description="Replay the segment history day by day over the last N days of the data, then build "
        "and publish customer_segment_history and segment_migrations. Replaces the history there was.",
    )
    parser.add_argument(
        "--days", type=positive_days, default=28, help="how many days, the as-of date the last (default 28)"
    )
    parser.add_argument(
        "--as-of",
        type=iso_day,
        help="the last day (default: $SEGMENTS_AS_OF, else the last order day in stg_orders)",
    )
    return parser.parse_args(argv)


def dbt_error(result: object, step: str) -> HistoryError:
    """The first line of what dbt said went wrong, else the step."""
    exception = getattr(result, "exception", None)
    if exception is not None:
        lines = [line.strip() for line in str(exception).splitlines() if line.strip()]
        return HistoryError(f"{step} failed: {' '.join(lines[:2])}")
    return HistoryError(f"{step} failed (dbt's log: logs/dbt.log)")


def invoke(runner: object, step: str, *args: str, log_level: str = "warn") -> object:
    """dbt ARGS in this process, printing only warnings and errors (or nothing: log_level none)."""
    result = runner.invoke(["--log-level", log_level, "--no-use-colors", *args])
    if not result.success:
        raise dbt_error(result, step)
    return result


def last_order_day(runner: object) -> datetime.date:
    step = "dbt show (the last order day)"
    shown = invoke(runner, step, "show", "--inline", LAST_ORDER_DAY, "--limit", "1", log_level="none")
    value = shown.result.results[0].agate_table.rows[0][0]
    if value is None:
        raise HistoryError("there are no orders in stg_orders: run the build first")
    return datetime.date.fromisoformat(str(value)[:10])


def backfill(days: int, as_of: datetime.date | None) -> tuple[datetime.date, datetime.date]:
    """Replay the history over `days` days up to `as_of` and publish its marts; the first and last day."""
    from dbt.cli.main import dbtRunner

    parsed = invoke(dbtRunner(), "dbt parse", "parse")
    manifest = parsed.result
    if not any(node.name == SNAPSHOT for node in manifest.nodes.values()):
        raise HistoryError(f"the snapshot {SNAPSHOT} is disabled on this target (docs/segment-history.md)")
    runner = dbtRunner(manifest=manifest)
    if as_of is None:
        text = os.environ.get("SEGMENTS_AS_OF", "").strip()
        as_of = datetime.date.fromisoformat(text) if text else last_order_day(runner)
    first = as_of - datetime.timedelta(days=days - 1)
    invoke(runner, "dropping the old history", "run-operation", "drop_segment_history")
    for offset in range(days):
        day = (first + datetime.timedelta(days=offset)).isoformat()
        invoke(
            runner,
            f"the snapshot of {day}",
            "snapshot",
            "--select",
            SNAPSHOT,
            "--vars",
            json.dumps({"segment_history_date": day}),
        )
    invoke(runner, "dbt build of the history marts", "build", "--select", f"{SNAPSHOT}+")
    return first, as_of


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    try:
        first, last = backfill(args.days, args.as_of)
    except HistoryError as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return 1
    print(
        f"segment history: {args.days} day(s), {first} to {last}, one snapshot a day; "
        f"customer_segment_history and segment_migrations published ({time.monotonic() - started:.1f} s)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
