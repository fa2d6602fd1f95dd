"""Stale marts: dbt records which build wrote each mart and from which raw data (the source
`build_status`); `python -m segments.publish.status` names the marts that no longer match the raw tables,
and `python -m segments.publish` refuses to publish them; the marts of an optional input that is off are
left out of the report."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

import pytest
from support import MARTS, DbtProject, copy_project, run_module

# The customer marts publish always reads; all are built from customers and orders alone.
CUSTOMER_MARTS = [
    "customer_cluster_profiles",
    "customer_profiles",
    "customer_segment_summary",
    "customer_vip",
    "segment_definitions",
]
OPTIONAL_SECTIONS = [
    "segment_profiles",
    "segment_category_preferences",
    "top_products_last_quarter",
    "regional_monthly_sales",
]
# An order with a negative amount: the build fails on this source test, before any mart.
REFUND_TEST = "stg_orders_amount_is_not_negative__refunds_are_not_supported"


def status(project: DbtProject) -> subprocess.CompletedProcess[str]:
    return run_module("segments.publish.status", "--warehouse", str(project.warehouse))


def publish(project: DbtProject, out: Path) -> subprocess.CompletedProcess[str]:
    return run_module(
        "segments.publish",
        "--warehouse",
        str(project.warehouse),
        "--exports",
        str(out / "exports"),
        "--reports",
        str(out / "reports"),
    )


def one_line(text: str) -> str:
    lines = text.splitlines()
    assert len(lines) == 1, text
    assert "Traceback" not in text
    return lines[0]


def add_order(project: DbtProject, amount: float) -> None:
    """One more order of one line for customer 1, straight into the raw tables (as any loader
    would)."""
    with sqlite3.connect(project.warehouse) as connection:
        (order_id,) = connection.execute("select max(order_id) + 1 from orders").fetchone()
        connection.execute(
            "insert into orders (order_id, customer_id, order_date, amount) values (?, 1, '2026-06-01', ?)",
            (order_id, amount),
        )
        connection.execute(
            "insert into order_items (order_id, line_number, product_id, quantity, sale_price)"
            " select ?, 1, min(product_id), 1, ? from products",
            (order_id, amount),
        )


def set_last_order_amount(project: DbtProject, amount: float) -> None:
    with sqlite3.connect(project.warehouse) as connection:
        last = "(select max(order_id) from orders)"
        connection.execute(f"update orders set amount = ? where order_id = {last}", (amount,))
        connection.execute(f"update order_items set sale_price = ? where order_id = {last}", (amount,))


def files_under(path: Path) -> list[Path]:
    return sorted(p for p in path.rglob("*") if p.is_file()) if path.exists() else []


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> DbtProject:
    project = copy_project(tmp_path_factory.mktemp("stale") / "segments")
    assert project.generate().returncode == 0
    result = project.seed_and_build()
    assert result.returncode == 0, result.stdout[-4000:]
    return project


def test_a_good_build_records_itself_and_every_mart(project):
    ((invocation, command, succeeded, finished, selected),) = project.query(
        "select invocation_id, command, succeeded, finished_at, marts_selected from build_runs"
    )
    assert (command, succeeded) == ("build", 1) and finished
    assert selected.split(",") == MARTS
    records = {
        mart: (built_by, raw)
        for mart, built_by, raw in project.query(
            "select mart_name, invocation_id, raw_tables from mart_builds"
        )
    }
    assert sorted(records) == MARTS
    assert {built_by for built_by, _ in records.values()} == {invocation}
    assert records["customer_rfm"][1] == "customers,orders"
    assert (
        records["top_products_last_quarter"][1] == "customer_feedback,customers,order_items,orders,products"
    )
    line = one_line(status(project).stdout)
    assert line.startswith(f"fresh: {len(MARTS)} marts")
    assert status(project).returncode == 0


def test_a_failed_build_after_new_raw_data_leaves_stale_marts_publish_refuses(project, tmp_path):
    # New raw data without a build: every mart built from orders is already stale.
    add_order(project, 12.5)
    result = status(project)
    assert result.returncode == 1
    line = one_line(result.stdout)
    assert line.startswith("stale: ") and "(raw data changed since: orders)" in line
    for mart in MARTS:
        assert mart in line

    # A build that fails on a test: the marts keep the previous build's rows and stay stale.
    set_last_order_amount(project, -5)
    failed = project.dbt("build")
    assert failed.returncode != 0
    assert REFUND_TEST in failed.stdout
    ((succeeded, failed_nodes),) = project.query(
        "select succeeded, failed_nodes from build_runs order by started_at desc, rowid desc limit 1"
    )
    assert succeeded == 0 and REFUND_TEST in failed_nodes.split(",")
    result = status(project)
    assert result.returncode == 1
    line = one_line(result.stdout)
    assert "hold the build of" in line and "raw data changed since: orders" in line
    for mart in MARTS:
        assert mart in line

    refused = publish(project, tmp_path)
    assert refused.returncode == 1
    message = one_line(refused.stderr)
    assert message.startswith("python -m segments.publish: error: stale marts, nothing published: ")
    for mart in CUSTOMER_MARTS:
        assert mart in message
    assert refused.stdout == ""
    assert files_under(tmp_path) == []
    for module in ("segments.publish.export", "segments.publish.charts", "segments.publish.report"):
        alone = run_module(module, "--warehouse", str(project.warehouse), "--out", str(tmp_path / module))
        assert alone.returncode == 1 and "stale marts" in one_line(alone.stderr)
    assert files_under(tmp_path) == []

    # A good rebuild (--full-refresh, as `make build`: the incremental staging kept the refund):
    # fresh again, and publish works.
    set_last_order_amount(project, 5)
    rebuilt = project.dbt("build", "--full-refresh")
    assert rebuilt.returncode == 0, rebuilt.stdout[-4000:]
    result = status(project)
    assert result.returncode == 0, result.stdout
    assert one_line(result.stdout).startswith("fresh: ")
    published = publish(project, tmp_path)
    assert published.returncode == 0, published.stderr
    assert (tmp_path / "reports" / "index.html").is_file()


def test_raw_data_back_as_it_was_after_a_failed_build(project, tmp_path):
    """The failed build had other raw data; the marts match the raw tables again, so publish
    goes ahead, but status still says the latest build failed and published nothing."""
    add_order(project, -1)
    assert project.dbt("build").returncode != 0
    with sqlite3.connect(project.warehouse) as connection:
        for table in ("order_items", "orders"):
            connection.execute(f"delete from {table} where order_id = (select max(order_id) from orders)")
    result = status(project)
    assert result.returncode == 1
    line = one_line(result.stdout)
    assert "failed and published nothing" in line and "raw data changed" not in line
    assert publish(project, tmp_path).returncode == 0


def test_a_data_test_failed_on_a_mart_publishes_nothing(project, tmp_path):
    """A data test failed on customer_profiles' new rows: the build published no mart, so every
    mart still holds the last good build, which matches the raw data; status names them all and
    publish goes ahead with them."""
    before = project.mart_rows()
    probe = project.root / "tests" / "assert_stale_probe.sql"
    probe.write_text("select * from {{ ref('customer_profiles') }} where customer_id = 1\n", encoding="utf-8")
    try:
        failed = project.dbt("build", "--full-refresh")
    finally:
        probe.unlink()
    assert failed.returncode != 0 and "assert_stale_probe" in failed.stdout
    assert "Nothing published" in failed.stdout
    assert project.mart_rows() == before
    result = status(project)
    assert result.returncode == 1
    line = one_line(result.stdout)
    assert line.startswith("stale: ") and "customer_profiles" in line
    assert line.endswith("failed and published nothing)")
    assert publish(project, tmp_path).returncode == 0


def test_status_of_a_missing_or_unrecorded_warehouse_is_one_line(tmp_path):
    result = run_module("segments.publish.status", "--warehouse", str(tmp_path / "missing.db"))
    assert result.returncode == 1
    assert "no warehouse at" in one_line(result.stderr)
    sqlite3.connect(tmp_path / "empty.db").execute(
        "create table orders (order_id integer)"
    ).connection.close()
    result = run_module("segments.publish.status", "--warehouse", str(tmp_path / "empty.db"))
    assert result.returncode == 1
    assert "no build record" in one_line(result.stderr)


@pytest.fixture(scope="module")
def customers_only(tmp_path_factory: pytest.TempPathFactory) -> DbtProject:
    """SEGMENTS_INPUTS=none: no mart of the demographics or products inputs is built."""
    project = copy_project(tmp_path_factory.mktemp("stale-none") / "segments")
    assert project.generate().returncode == 0
    none = {"SEGMENTS_INPUTS": "none"}
    assert project.dbt("seed", env=none).returncode == 0
    result = project.dbt("build", env=none)
    assert result.returncode == 0, result.stdout[-4000:]
    return project


def assert_sections_left_out(out: Path) -> None:
    page = (out / "reports" / "index.html").read_text(encoding="utf-8")
    for mart in OPTIONAL_SECTIONS:
        assert f"It needs <code>{mart}</code>" in page
    assert page.count('class="note">Left out:') == len(OPTIONAL_SECTIONS)
    assert page.count('src="data:image/png;base64,') == 4
    assert sorted(p.name for p in (out / "reports" / "charts").iterdir()) == [
        "cluster_k_evaluation.png",
        "clusters.png",
        "segment_sizes.png",
        "segments.png",
    ]
    assert (out / "exports" / "customers_enriched.csv").is_file()


def test_publish_leaves_out_the_marts_of_inputs_not_loaded(customers_only, tmp_path):
    tables = {name for (name,) in customers_only.query("select name from sqlite_master where type = 'table'")}
    assert not tables & set(OPTIONAL_SECTIONS)
    result = status(customers_only)
    assert result.returncode == 0
    assert "left out: " in one_line(result.stdout)
    published = publish(customers_only, tmp_path)
    assert published.returncode == 0, published.stderr
    assert_sections_left_out(tmp_path)


def test_marts_of_an_input_turned_off_are_left_out_even_when_an_earlier_build_left_them(
    customers_only, tmp_path
):
    """A full build, then one with SEGMENTS_INPUTS=none: the product and demographic marts of
    the first are still in the warehouse, but not published, and their old charts are removed."""
    full = customers_only.dbt("build", "--no-partial-parse")
    assert full.returncode == 0, full.stdout[-4000:]
    assert publish(customers_only, tmp_path).returncode == 0
    assert len(list((tmp_path / "reports" / "charts").iterdir())) == 7
    none = customers_only.dbt("build", "--no-partial-parse", env={"SEGMENTS_INPUTS": "none"})
    assert none.returncode == 0, none.stdout[-4000:]
    assert status(customers_only).returncode == 0
    published = publish(customers_only, tmp_path)
    assert published.returncode == 0, published.stderr
    assert_sections_left_out(tmp_path)
