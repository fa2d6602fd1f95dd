"""Write, audit, publish (docs/reliability.md, "Write, audit, publish"): a build writes its marts
beside the published ones and publishes them all in one transaction only when every node passed. A
defect that only a test of a mart, or a test across tables, can see leaves every published mart as
the last good build left it, in the full build and in the daily refresh."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from support import AS_OF, MARTS, DbtProject, append_day, copy_project, rewrite_seed

pytestmark = pytest.mark.bad_input

NEW_DAY = (date.fromisoformat(AS_OF) + timedelta(days=1)).isoformat()


@pytest.fixture(scope="module")
def good_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[DbtProject, dict[str, list[str]]]:
    project = copy_project(tmp_path_factory.mktemp("publication") / "segments")
    assert project.generate().returncode == 0
    built = project.seed_and_build()
    assert built.returncode == 0, built.stdout[-4000:]
    assert "Published 22 mart(s) in one transaction" in built.stdout
    marts = project.keep_good_copy()
    return project, marts


@pytest.fixture
def project(good_build) -> Iterator[DbtProject]:
    project, _ = good_build
    yield project
    project.restore_good_copy()


def failed_nodes(project: DbtProject) -> list[str]:
    results = project.run_results()
    return sorted(r["unique_id"].split(".")[-1] for r in results if r["status"] in ("fail", "error"))


def unpublished_tables(project: DbtProject) -> list[str]:
    rows = project.query("select name from sqlite_master where name like '%unpublished%'")
    return [name for (name,) in rows]


def mart_invocations(project: DbtProject) -> set[str]:
    return {invocation for (invocation,) in project.query("select invocation_id from mart_builds")}


def snapshot_rows(warehouse: Path) -> list[tuple]:
    with sqlite3.connect(warehouse) as connection:
        return sorted(connection.execute("select * from customer_segment_snapshots").fetchall(), key=repr)


def assert_nothing_published(project: DbtProject, marts: dict[str, list[str]], output: str) -> None:
    """No mart changed, nor the segment history's snapshot, which is published with them."""
    assert "Nothing published" in output, output[-3000:]
    changed = [mart for mart in MARTS if project.mart_rows()[mart] != marts[mart]]
    assert not changed, f"marts changed although the build failed: {changed}"
    good_warehouse = project.root.parent / "good-warehouse" / project.warehouse.name
    assert snapshot_rows(project.warehouse) == snapshot_rows(good_warehouse), (
        "the failed build changed the history"
    )
    assert unpublished_tables(project) == []


def node_status(project: DbtProject, name: str) -> str | None:
    results = project.run_results()
    return next((r["status"] for r in results if r["unique_id"].split(".")[-1] == name), None)


def shift_first_order_with_lines(cents: int):
    """An edit of orders.csv: the first order's amount moved by `cents`, so its lines no longer add up."""

    def edit(rows: list[dict[str, str]]) -> None:
        rows[0]["amount"] = f"{Decimal(rows[0]['amount']) + Decimal(cents) / 100:.2f}"

    return edit


@pytest.mark.parametrize("cents", [1, -1, 900])
def test_an_amount_its_lines_do_not_explain_publishes_nothing(project, good_build, cents):
    """Off by a cent (or by nine currency units): only the test across orders and their lines sees it;
    the marts built from orders alone must not be published either."""
    _, marts = good_build
    rewrite_seed(project, "orders", shift_first_order_with_lines(cents))
    result = project.seed_and_build("--full-refresh")
    assert result.returncode != 0
    assert failed_nodes(project) == ["assert_order_lines_add_up_to_order_amount"]
    assert_nothing_published(project, marts, result.stdout)


def test_a_failing_test_of_one_mart_publishes_no_mart(project, good_build):
    """A registration date after the as-of date passes staging but fails a test of customer_features
    (negative days_since_last_activity), after customer_segments and customer_features were written:
    neither, nor any other mart, is published."""
    _, marts = good_build
    invocations = mart_invocations(project)

    def edit(rows: list[dict[str, str]]) -> None:
        ordered = {row["customer_id"] for row in project.read_seed("orders")}
        customer = next(row for row in rows if row["customer_id"] not in ordered)
        customer["registration_date"] = "2099-01-01"

    rewrite_seed(project, "customers", edit)
    result = project.seed_and_build("--full-refresh")
    assert result.returncode != 0
    failures = [line for line in result.stdout.splitlines() if "Failure in test" in line]
    assert failures and all("customer_features" in line for line in failures), failures
    assert_nothing_published(project, marts, result.stdout)
    assert mart_invocations(project) == invocations


def test_a_build_that_fails_after_the_snapshot_leaves_the_history_as_published(project, good_build):
    """A new day of orders, and a registration date after it that fails a test of customer_features:
    the snapshot of the day's segments was taken in the build, but is not published, as no mart is
    (docs/segment-history.md, "When the snapshot is taken"). The same day without the defect then
    publishes a history that differs from the last good one."""
    _, marts = good_build
    append_day(project.root / "seeds", NEW_DAY)
    registered = {row["customer_id"]: row["registration_date"] for row in project.read_seed("customers")}

    def edit(rows: list[dict[str, str]]) -> None:
        ordered = {row["customer_id"] for row in project.read_seed("orders")}
        customer = next(row for row in rows if row["customer_id"] not in ordered)
        customer["registration_date"] = "2099-01-01"

    rewrite_seed(project, "customers", edit)
    as_of = ("--vars", f"{{as_of_date: '{NEW_DAY}'}}")
    result = project.seed_and_build(*as_of)
    assert result.returncode != 0
    assert node_status(project, "customer_segment_snapshots") == "success"
    assert_nothing_published(project, marts, result.stdout)

    rewrite_seed(
        project,
        "customers",
        lambda rows: [row.update(registration_date=registered[row["customer_id"]]) for row in rows],
    )
    fixed = project.seed_and_build(*as_of)
    assert fixed.returncode == 0, fixed.stdout[-3000:]
    good_warehouse = project.root.parent / "good-warehouse" / project.warehouse.name
    assert snapshot_rows(project.warehouse) != snapshot_rows(good_warehouse)


def test_a_good_build_publishes_every_mart_from_one_build(project):
    result = project.dbt("build")
    assert result.returncode == 0, result.stdout[-3000:]
    invocations = mart_invocations(project)
    assert len(invocations) == 1
    (built,) = project.query("select count(*) from mart_builds")
    assert built == (len(MARTS),)
    assert unpublished_tables(project) == []


def append_bad_day(project: DbtProject, edit_new_orders) -> None:
    """One day of new orders (support.append_day), then `edit_new_orders` on those rows."""
    before = {row["order_id"] for row in project.read_seed("orders")}
    append_day(project.root / "seeds", NEW_DAY)

    def edit(rows: list[dict[str, str]]) -> None:
        edit_new_orders([row for row in rows if row["order_id"] not in before])

    rewrite_seed(project, "orders", edit)


def times_ten(rows: list[dict[str, str]]) -> None:
    rows[0]["amount"] = f"{Decimal(rows[0]['amount']) * 10:.2f}"


def one_cent_more(rows: list[dict[str, str]]) -> None:
    rows[-1]["amount"] = f"{Decimal(rows[-1]['amount']) + Decimal('0.01'):.2f}"


@pytest.mark.parametrize("edit", [times_ten, one_cent_more], ids=["times-ten", "one-cent"])
def test_the_refresh_checks_new_amounts_against_their_lines(project, good_build, edit):
    """The daily refresh: a new order's amount that its lines do not explain fails the refresh, and
    customer_segments and its summary keep their published rows."""
    _, marts = good_build
    append_bad_day(project, edit)
    assert project.dbt("seed").returncode == 0
    result = project.dbt("build", "--selector", "refresh", "--vars", f"{{as_of_date: '{NEW_DAY}'}}")
    assert result.returncode != 0
    assert failed_nodes(project) == ["assert_order_lines_add_up_to_order_amount"]
    assert_nothing_published(project, marts, result.stdout)


def test_the_refresh_publishes_a_good_day_and_checks_only_the_new_orders(project):
    """A good day passes the refresh, which checks the new orders' lines only (rows_checked holds
    the newest order the check passed), and publishes its marts (the segments and the segment
    history) in one transaction."""
    checked_before = dict(project.query("select check_name, checked_through from rows_checked"))
    append_day(project.root / "seeds", NEW_DAY)
    assert project.dbt("seed").returncode == 0
    result = project.dbt("build", "--selector", "refresh", "--vars", f"{{as_of_date: '{NEW_DAY}'}}")
    assert result.returncode == 0, result.stdout[-3000:]
    published = (
        "Published 4 mart(s) in one transaction: customer_segment_history, customer_segment_summary,"
        " customer_segments, segment_migrations"
    )
    assert published in result.stdout
    ((checked, newest),) = project.query(
        "select checked_through, (select max(order_id) from stg_orders) from rows_checked"
        " where check_name = 'assert_order_lines_add_up_to_order_amount'"
    )
    assert checked == newest
    # The newest order the check had passed is written into it: it reads the new orders only.
    compiled = next((project.root / "target" / "run").rglob("assert_order_lines_add_up_to_order_amount.sql"))
    above = checked_before["assert_order_lines_add_up_to_order_amount"]
    assert compiled.read_text().count(f"(order_id > {above})") == 2
    # Every check of new rows has recorded the newest id it passed, and reads only the rows above it.
    checks = dict(project.query("select check_name, checked_through from rows_checked"))
    for table in ("orders", "order_items", "customer_feedback"):
        assert any(name.startswith(f"source_valid_values_shop_{table}_") for name in checks), checks
    (newest_feedback,) = project.query("select max(feedback_id) from stg_customer_feedback")
    assert checks["assert_feedback_matches_its_order"] == newest_feedback[0]
    # New feedback is found from the index on the raw documents' id (index_raw_document_ids), by
    # the newest id written in as a number, which SQLite answers from that index.
    indexes = project.query(
        "select name from sqlite_master where type = 'index' and tbl_name = 'customer_feedback'"
    )
    assert indexes == [("customer_feedback__feedback_id",)]
    feedback_before = checked_before["source_valid_values_shop_customer_feedback_document___feedback_id_"]
    staged = next((project.root / "target" / "compiled").rglob("stg_customer_feedback.sql")).read_text()
    assert f"json_extract(document, '$.feedback_id') end) > {feedback_before} or" in staged
    (plan,) = project.query(
        "explain query plan select count(*) from customer_feedback where"
        " (case when json_valid(document) then json_extract(document, '$.feedback_id') end)"
        f" > {feedback_before}"
    )
    assert "USING INDEX customer_feedback__feedback_id" in plan[-1]


def rating_in_words(document: dict) -> None:
    document["payload"]["rating"] = "5 stars"


def another_customers_order(document: dict) -> None:
    document["payload"]["customer_id"] += 1


@pytest.mark.parametrize(
    ("edit", "failing"),
    [
        (rating_in_words, "valid_values: shop.customer_feedback.document.payload.rating"),
        (another_customers_order, "Failure in test assert_feedback_matches_its_order"),
    ],
    ids=["rating-in-words", "another-customers-order"],
)
def test_the_refresh_checks_new_feedback(project, good_build, edit, failing):
    """A bad document among the new day's feedback fails the refresh, although the refresh publishes
    no mart that reads feedback: the check that names it runs, and nothing is published."""
    _, marts = good_build
    old = {row["document"] for row in project.read_seed("customer_feedback")}
    append_day(project.root / "seeds", NEW_DAY)

    def edit_new_feedback(rows: list[dict[str, str]]) -> None:
        row = next(row for row in rows if row["document"] not in old)
        document = json.loads(row["document"])
        edit(document)
        row["document"] = json.dumps(document, separators=(",", ":"))

    rewrite_seed(project, "customer_feedback", edit_new_feedback)
    assert project.dbt("seed").returncode == 0
    result = project.dbt("build", "--selector", "refresh", "--vars", f"{{as_of_date: '{NEW_DAY}'}}")
    assert result.returncode != 0
    assert failing in result.stdout, result.stdout[-3000:]
    assert_nothing_published(project, marts, result.stdout)
