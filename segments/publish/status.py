"""``python -m segments.publish.status``: do the marts hold the latest build's data? Exit 0 if so, 1 if not.

dbt records every build and mart in the warehouse (macros/build_status/, the source
`build_status`): `build_runs` (each build, its outcome and a fingerprint of the raw tables at its
start, with the query that computes it) and `mart_builds` (the build that last wrote each mart).
A mart is stale when

- a raw table it is built from has changed since the build that wrote it: the fingerprint it was
  built from differs from the raw tables' current one (the latest build's query run again, so a
  load after the latest build counts too), or
- the latest build was to rebuild it and failed (or was killed): a build publishes its marts all
  together only when every check passed (macros/publication/), so it published none, or
- it has no build record (built before build status was recorded).

`python -m segments.publish` refuses every stale mart it reads but one the latest build did not publish
while the raw data is as it was (that mart still holds the data of the raw tables).

Marts of an optional input that is off in the latest build (SEGMENTS_INPUTS), or not built, are
left out, not stale: publish skips them.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from segments.warehouse import QueryError, Warehouse, WarehouseError

BUILD_TABLES = ("build_runs", "mart_builds")
# The marts of the optional inputs (models/marts/<input>/): absent when the input is not loaded.
OPTIONAL_MARTS = {
    "segment_profiles": "demographics",
    "regional_monthly_sales": "demographics",
    "product_revenue": "products",
    "category_revenue": "products",
    "top_products_last_quarter": "products",
    "segment_category_preferences": "products",
}
# What `python -m segments.publish` reads: the customer marts always, the optional ones when they are there.
PUBLISHED_REQUIRED = (
    "customer_profiles",
    "customer_features",
    "customer_clusters",
    "customer_cluster_profiles",
    "customer_vip",
    "cluster_k_evaluation",
    "customer_segment_summary",
    "segment_definitions",
)
PUBLISHED_OPTIONAL = (
    # The segment history (docs/segment-history.md).
    "customer_segment_history",
    "segment_migrations",
    "segment_profiles",
    "segment_category_preferences",
    "top_products_last_quarter",
    "regional_monthly_sales",
)


@dataclass(frozen=True)
class Stale:
    mart: str
    # The start of the build that wrote the mart ("" when there is no record).
    built: str
    reason: str
    # Older than the raw data it comes from (or cannot be told apart from such a mart): publish
    # refuses it. False: the raw data is unchanged and the latest build failed and published
    # nothing, so it still holds the data of the raw tables.
    blocks_publish: bool = True


@dataclass
class BuildStatus:
    """What the warehouse holds, as of the latest recorded build."""

    latest_build: str  # started_at of the latest build, UTC
    latest_succeeded: bool | None  # None: did not finish (killed, or still running)
    inputs: str  # SEGMENTS_INPUTS of the latest build
    built: set[str] = field(default_factory=set)  # enabled in the latest build and in the warehouse
    stale: list[Stale] = field(default_factory=list)
    left_out: dict[str, str] = field(default_factory=dict)  # mart -> why it is not there

    def stale_among(self, marts: Iterable[str]) -> list[Stale]:
        wanted = set(marts)
        return [entry for entry in self.stale if entry.mart in wanted]


def split(text: str | None) -> list[str]:
    return [part for part in (text or "").split(",") if part]


def parse_fingerprint(text: str | None) -> dict[str, str]:
    """`name=rows,sums;...` -> {name: 'rows,sums'}."""
    parts = (part.partition("=") for part in (text or "").split(";") if part)
    return {name: value for name, _, value in parts}


def minute(timestamp: str) -> str:
    return f"{timestamp[:16]} UTC" if timestamp else "an unrecorded time"


def read_status(warehouse: Warehouse) -> BuildStatus:
    """The status of every mart; a WarehouseError when the warehouse has no build record."""
    tables = warehouse.tables()
    if not all(name in tables for name in BUILD_TABLES):
        raise WarehouseError(
            f"no build record in {warehouse.where} (not built, or built before build status was"
            " recorded): run `make build` (or `dbt build`)"
        )
    try:
        builds = warehouse.rows(f"select * from build_runs order by started_at{warehouse.row_order()}")
        records = {row["mart_name"]: row for row in warehouse.rows("select * from mart_builds")}
    except QueryError as error:
        raise WarehouseError(f"cannot read the build record in {warehouse.where}: {error}") from None
    if not builds:
        raise WarehouseError(f"no build recorded in {warehouse.where}: run `make build` (or `dbt build`)")
    latest = builds[-1]
    started = {row["invocation_id"]: row["started_at"] for row in builds}
    try:
        current = parse_fingerprint(warehouse.rows(latest["fingerprint_sql"])[0][0])
        unreadable = ""
    except (QueryError, IndexError) as error:
        current, unreadable = {}, f"raw data changed since: the raw tables no longer read as before: {error}"
    succeeded = None if latest["succeeded"] is None else bool(latest["succeeded"])
    status = BuildStatus(minute(latest["started_at"]), succeeded, latest["inputs"] or "none")
    enabled, selected = split(latest["marts_enabled"]), set(split(latest["marts_selected"]))
    for mart, optional_input in OPTIONAL_MARTS.items():
        if mart not in enabled:
            status.left_out[mart] = (
                f"the optional input {optional_input} is off (SEGMENTS_INPUTS={status.inputs})"
            )
    for mart in enabled:
        record = records.get(mart)
        if mart not in tables:
            status.left_out[mart] = "not built"
            if record is None and succeeded is not False:
                continue  # a mart the latest build was not asked to build, and never built
            status.stale.append(Stale(mart, "", "not built"))
            continue
        status.built.add(mart)
        if record is None:
            status.stale.append(Stale(mart, "", "no build record"))
            continue
        built = minute(started.get(record["invocation_id"], record["built_at"]))
        recorded = parse_fingerprint(record["raw_fingerprint"])
        changed = [
            table
            for table in split(record["raw_tables"])
            if unreadable or recorded.get(table) != current.get(table)
        ]
        if changed:
            status.stale.append(
                Stale(mart, built, unreadable or f"raw data changed since: {', '.join(changed)}")
            )
        elif (
            mart in selected and record["invocation_id"] != latest["invocation_id"] and succeeded is not True
        ):
            outcome = "failed" if succeeded is False else "did not finish"
            status.stale.append(
                Stale(
                    mart, built, f"the build of {status.latest_build} {outcome} and published nothing", False
                )
            )
    return status


def describe(stale: Sequence[Stale]) -> str:
    """One line: the stale marts grouped by the build they hold and why, e.g. `customer_rfm,
    product_revenue hold the build of 2026-11-29 08:10 UTC (raw data changed since: orders)`."""
    groups: dict[tuple[str, str], list[str]] = {}
    for entry in stale:
        groups.setdefault((entry.built, entry.reason), []).append(entry.mart)
    parts = []
    for (built, reason), marts in groups.items():
        names = ", ".join(sorted(marts))
        if not built:
            parts.append(f"{names} ({reason})")
        else:
            verb = "holds" if len(marts) == 1 else "hold"
            parts.append(f"{names} {verb} the build of {built} ({reason})")
    return "; ".join(parts)


def check(warehouse: Warehouse) -> tuple[int, str]:
    """The exit status (0 fresh, 1 stale) and the line that says so."""
    status = read_status(warehouse)
    if status.stale:
        return 1, f"stale: {describe(status.stale)}"
    if not status.built:
        raise WarehouseError(f"no mart built in {warehouse.where}: run `make build` (or `dbt build`)")
    line = f"fresh: {len(status.built)} marts hold the data of the raw tables as they are now"
    if status.latest_succeeded is not True:
        outcome = "failed" if status.latest_succeeded is False else "did not finish"
        line += f" (the build of {status.latest_build} {outcome}, but rebuilt or needed none of them)"
    left_out = sorted(mart for mart, why in status.left_out.items() if why != "not built")
    if left_out:
        line += f"; left out: {', '.join(left_out)} (SEGMENTS_INPUTS={status.inputs})"
    return 0, line


def available_marts(warehouse: Warehouse) -> set[str]:
    """The marts in the warehouse, less those of an optional input off in the latest build."""
    try:
        return read_status(warehouse).built
    except WarehouseError:
        return warehouse.tables()  # no build record: whatever is there


def publishable(warehouse: Warehouse) -> set[str]:
    """The marts publish reads that are there, once none is older than the raw data it comes from
    or failed a data test: a WarehouseError (one line) names them, or a customer mart not built."""
    status = read_status(warehouse)
    missing = [mart for mart in PUBLISHED_REQUIRED if mart not in status.built]
    if missing:
        raise WarehouseError(f"not built: {', '.join(missing)}: run `make build` (or `dbt build`)")
    published = set(PUBLISHED_REQUIRED) | set(PUBLISHED_OPTIONAL)
    stale = [entry for entry in status.stale_among(published & status.built) if entry.blocks_publish]
    if stale:
        raise WarehouseError(
            f"stale marts, nothing published: {describe(stale)}; fix the build and run it again"
        )
    return published & status.built


def main(argv: Sequence[str] | None = None) -> int:
    from segments.publish.cli import add_warehouse_arguments  # cli imports this module

    parser = argparse.ArgumentParser(
        prog="python -m segments.publish.status", description=__doc__.splitlines()[0]
    )
    add_warehouse_arguments(parser)
    args = parser.parse_args(argv)
    try:
        code, line = check(Warehouse(args.warehouse, args.target))
    except WarehouseError as error:
        parser.exit(1, f"python -m segments.publish.status: error: {error}\n")
    print(line)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
