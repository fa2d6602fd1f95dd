"""Incremental refresh: after a day of new orders, the daily refresh (`dbt build --selector refresh`)
and then a plain `dbt build` update the incremental models (they pass every test they run), really
work incrementally, and leave every incremental table identical, row by row, to what `dbt build
--full-refresh` builds from the same seeds."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from support import AS_OF, DbtProject, append_day, copy_project

# On SQLite all six are incremental (elsewhere the first five are views).
INCREMENTAL_MODELS = (
    "stg_orders",
    "stg_order_items",
    "stg_customer_feedback",
    "int_order_lines",
    "int_customer_order_totals",
    "customer_segments",
)
CUSTOMER_AGGREGATES = ("int_customer_order_totals", "customer_segments")
# What `--selector refresh` (selectors.yml) builds: the segments and the models they come from.
REFRESH_MODELS = (
    "stg_customers",
    "stg_orders",
    "int_customer_order_totals",
    "customer_segments",
    "customer_segment_summary",
    # Read by the refresh's checks across tables: order lines against their order, feedback against
    # its order.
    "stg_order_items",
    "stg_customer_feedback",
    # The segment history: the day's snapshot (customer_segment_snapshots) and its marts.
    "customer_segment_history",
    "segment_migrations",
)
SEGMENTS_RECONCILE_WITH_ORDERS = (
    "reconciles_with_customer_segments_sum_cents__total_sales_amount__amount__ref_stg_orders_"
)
NEW_DAY = (date.fromisoformat(AS_OF) + timedelta(days=1)).isoformat()
# The refresh runs as of the new day, or its orders would fail assert_orders_not_after_as_of_date.
NEW_AS_OF = ("--vars", f"{{as_of_date: '{NEW_DAY}'}}")


def table_dump(project: DbtProject, table: str) -> tuple[list[tuple], list[tuple]]:
    """Declared columns, and every row with each value's storage class, sorted."""
    columns = [(row[1], row[2]) for row in project.query(f"pragma table_info({table})")]
    classes = ", ".join(f"typeof({name})" for name, _ in columns)
    return columns, sorted(project.query(f"select *, {classes} from {table}"))


def rowids(project: DbtProject, table: str) -> dict[int, int]:
    return dict(project.query(f"select customer_id, rowid from {table}"))


def build_results(project: DbtProject, result) -> list[dict]:
    assert result.returncode == 0, f"dbt build failed:\n{result.stdout[-6000:]}"
    results = project.run_results()
    failed = [r["unique_id"] for r in results if r["status"] not in ("success", "pass", "no-op")]
    assert not failed, f"dbt nodes did not pass: {failed}"
    return results


def snapshot_rows(project: DbtProject) -> list[tuple]:
    """The segment snapshot's rows (customer_segment_snapshots), sorted."""
    return sorted(
        project.query(
            "select customer_id, customer_segment, total_sales_amount, number_of_orders, dbt_valid_from,"
            " dbt_valid_to from customer_segment_snapshots"
        ),
        key=repr,
    )


@dataclass
class Refresh:
    project: DbtProject
    old_orders: list[dict[str, str]]
    # customer_id -> rowid in each customer aggregate, before and after the incremental run.
    old_rowids: dict[str, dict[int, int]]
    new_rowids: dict[str, dict[int, int]]
    # The daily refresh (--selector refresh), then a plain dbt build: the nodes each one ran.
    refresh_results: list[dict]
    build_results: list[dict]
    # Tables after the daily refresh (REFRESH_MODELS), after the build (the incremental models) and
    # after --full-refresh (both).
    refreshed: dict[str, tuple]
    incremental: dict[str, tuple]
    full_refresh: dict[str, tuple]
    # The segment snapshot's rows after the first build, the refresh, the build and --full-refresh.
    snapshots: dict[str, list[tuple]]

    def new_orders(self) -> list[dict[str, str]]:
        old_max = max(int(order["order_id"]) for order in self.old_orders)
        return [order for order in self.project.read_seed("orders") if int(order["order_id"]) > old_max]

    def rows_written(self, model: str) -> int:
        """What the first run that built `model` after the new day wrote."""
        results = [*self.refresh_results, *self.build_results]
        result = next(r for r in results if r["unique_id"] == f"model.segments.{model}")
        return result["adapter_response"]["rows_affected"]


@pytest.fixture(scope="module")
def refresh(tmp_path_factory: pytest.TempPathFactory) -> Refresh:
    """Build; append a day; load it, `dbt build --selector refresh`, dump; `dbt build`
    (incremental), dump; `dbt build --full-refresh`, dump."""
    project = copy_project(tmp_path_factory.mktemp("incremental") / "segments")
    generated = project.generate("--customers", "300", "--orders", "3000")
    assert generated.returncode == 0, generated.stderr
    build_results(project, project.seed_and_build())
    snapshots = {"first build": snapshot_rows(project)}
    old_orders = project.read_seed("orders")
    old_rowids = {table: rowids(project, table) for table in CUSTOMER_AGGREGATES}

    append_day(project.root / "seeds", NEW_DAY)
    loaded = project.dbt("seed")
    assert loaded.returncode == 0, loaded.stdout[-3000:]
    daily = build_results(project, project.dbt("build", "--selector", "refresh", *NEW_AS_OF))
    new_rowids = {table: rowids(project, table) for table in CUSTOMER_AGGREGATES}
    refreshed = {model: table_dump(project, model) for model in REFRESH_MODELS}
    snapshots["refresh"] = snapshot_rows(project)
    rest = build_results(project, project.dbt("build", *NEW_AS_OF))
    incremental = {model: table_dump(project, model) for model in INCREMENTAL_MODELS}
    snapshots["build"] = snapshot_rows(project)

    build_results(project, project.dbt("build", "--full-refresh", *NEW_AS_OF))
    full_refresh = {model: table_dump(project, model) for model in {*INCREMENTAL_MODELS, *REFRESH_MODELS}}
    snapshots["full-refresh"] = snapshot_rows(project)
    return Refresh(
        project,
        old_orders,
        old_rowids,
        new_rowids,
        daily,
        rest,
        refreshed,
        incremental,
        full_refresh,
        snapshots,
    )


def test_the_new_day_has_first_orders_repeat_orders_and_untouched_customers(refresh: Refresh) -> None:
    """The scenario the other tests rely on, whoever writes the new day."""
    ordered_before = {int(order["customer_id"]) for order in refresh.old_orders}
    buyers = {int(order["customer_id"]) for order in refresh.new_orders()}
    customers = {int(row["customer_id"]) for row in refresh.project.read_seed("customers")}
    assert buyers - ordered_before, "no customer placed a first order"
    assert buyers & ordered_before, "no customer who ordered before ordered again"
    assert ordered_before - buyers, "every customer with orders ordered again"
    assert customers - buyers - ordered_before, "no customer is left without orders"
    assert {order["order_date"] for order in refresh.new_orders()} == {NEW_DAY}


@pytest.mark.parametrize("model", INCREMENTAL_MODELS)
def test_incremental_run_equals_a_full_refresh(refresh: Refresh, model: str) -> None:
    columns, rows = refresh.incremental[model]
    full_columns, full_rows = refresh.full_refresh[model]
    assert columns == full_columns
    assert len(rows) == len(full_rows)
    assert rows == full_rows


@pytest.mark.parametrize("model", REFRESH_MODELS)
def test_daily_refresh_equals_a_full_refresh(refresh: Refresh, model: str) -> None:
    assert refresh.refreshed[model] == refresh.full_refresh[model]


def test_daily_refresh_builds_the_segments_and_tests_only_what_it_built(refresh: Refresh) -> None:
    """The selector's models, no seed, and only tests whose every model it rebuilt: a test that
    compared a refreshed model with one left as it was (RFM, clusters) would compare new rows with
    old. Among them the reconciliation of customer_segments with stg_orders and the CASE
    boundaries' unit tests."""
    ran = {r["unique_id"] for r in refresh.refresh_results}
    built = {name.split(".")[-1] for name in ran if name.startswith(("model.", "seed."))}
    assert built == set(REFRESH_MODELS)
    tested = {name.split(".")[2] for name in ran if name.startswith("test.")}
    assert SEGMENTS_RECONCILE_WITH_ORDERS in tested
    assert not {name for name in tested if any(mart in name for mart in ("rfm", "cluster", "features"))}
    assert any(name.startswith("unit_test.segments.customer_segments.") for name in ran)


def test_the_refresh_adds_the_days_snapshot_once(refresh: Refresh) -> None:
    """The refresh snapshots the segments as of the new day: a new row, dated that day, for every
    customer with an order that day and every new customer, the row before it ended that day; the
    build and the --full-refresh after it, for the same day, add nothing."""
    assert "snapshot.segments.customer_segment_snapshots" in {r["unique_id"] for r in refresh.refresh_results}
    before, after = refresh.snapshots["first build"], refresh.snapshots["refresh"]
    assert {row[4] for row in before} == {AS_OF}
    new = {row[0] for row in after if row[4] == NEW_DAY}
    buyers = {int(order["customer_id"]) for order in refresh.new_orders()}
    newcomers = set(refresh.new_rowids["customer_segments"]) - set(refresh.old_rowids["customer_segments"])
    assert buyers and new == buyers | newcomers
    ended = {row[0] for row in after if row[5] == NEW_DAY}
    assert ended == buyers - newcomers
    assert refresh.snapshots["build"] == after
    assert refresh.snapshots["full-refresh"] == after


def test_incremental_run_has_the_new_day(refresh: Refresh) -> None:
    _, orders = refresh.incremental["stg_orders"]
    assert {int(order["order_id"]) for order in refresh.new_orders()} <= {row[0] for row in orders}
    assert len(orders) == len(refresh.project.read_seed("orders"))
    _, segments = refresh.incremental["customer_segments"]
    assert len(segments) == len(refresh.project.read_seed("customers"))


def test_order_models_wrote_only_the_new_orders(refresh: Refresh) -> None:
    """dbt-sqlite reports the rows an incremental run inserted (a rebuild reports -1)."""
    new_ids = {order["order_id"] for order in refresh.new_orders()}
    new_lines = [line for line in refresh.project.read_seed("order_items") if line["order_id"] in new_ids]
    assert refresh.rows_written("stg_orders") == len(new_ids)
    assert refresh.rows_written("stg_order_items") == len(new_lines)
    assert refresh.rows_written("int_order_lines") == len(new_lines)
    # One document per new order; the old document sent again is not added.
    assert refresh.rows_written("stg_customer_feedback") == len(new_ids)


def refreshed_customers(refresh: Refresh, table: str) -> set[int]:
    """The customers each aggregate recomputes: customer_segments those with new orders and those it
    did not have; int_customer_order_totals those with an order on or after the last day it had
    counted (the rest of that day's customers come out the same)."""
    if table == "customer_segments":
        customers = {int(row["customer_id"]) for row in refresh.project.read_seed("customers")}
        buyers = {int(order["customer_id"]) for order in refresh.new_orders()}
        return buyers | (customers - set(refresh.old_rowids[table]))
    last_day = max(order["order_date"] for order in refresh.old_orders)
    return {
        int(order["customer_id"])
        for order in refresh.project.read_seed("orders")
        if order["order_date"] >= last_day
    }


@pytest.mark.parametrize("table", CUSTOMER_AGGREGATES)
def test_customer_aggregates_replaced_only_the_refreshed_customers(refresh: Refresh, table: str) -> None:
    """delete+insert gives the replaced rows new rowids, after the old ones, and keeps everyone
    else's rows where they were; a rebuild would number all the rows afresh."""
    refreshed = refreshed_customers(refresh, table)
    before, after = refresh.old_rowids[table], refresh.new_rowids[table]
    assert refresh.rows_written(table) == len(refreshed)
    assert set(after) == set(before) | refreshed
    assert {customer for customer in after if after[customer] > max(before.values())} == refreshed
    assert all(after[customer] == before[customer] for customer in set(after) - refreshed)


@pytest.mark.parametrize("model", ["customer_segments", "stg_customer_feedback"])
def test_dbt_show_of_an_incremental_model_shows_its_rows(refresh: Refresh, model: str) -> None:
    """`dbt show` runs the model's full query, not the incremental one, which on a warehouse that is
    up to date selects nothing: it shows the rows the table holds."""
    project = refresh.project
    (count,) = project.query(f"select count(*) from {model}")[0]
    shown = project.dbt(
        "--quiet", "show", "--select", model, "--limit", str(count + 1), "--output", "json", *NEW_AS_OF
    )
    assert shown.returncode == 0, shown.stdout[-3000:]
    rows = json.loads(shown.stdout)["show"]
    assert len(rows) == count
    key = "customer_id" if model == "customer_segments" else "feedback_id"
    assert sorted(row[key] for row in rows) == sorted(
        k for (k,) in project.query(f"select {key} from {model}")
    )
