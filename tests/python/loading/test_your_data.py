"""Your own data: a realistic shop export (tests/data/shop_export: a UTF-8 BOM, CRLF, headers
in other cases and order, extra columns, timestamps, free orders, several orders a customer a day,
customers without a name) built with `make build DATA=...`, and the optional inputs added in turn
(tests/data/shop_export_optional). customer_segments must equal an independent computation in
Python's Decimal for every customer, and the user's files must not change."""

from __future__ import annotations

import shutil
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from support import REPO, DbtProject, copy_project, read_export, run_module, write_users_raw_tables

from segments.publish.status import OPTIONAL_MARTS

# Not tests/fixtures: dbt reads the CSVs there as unit-test fixtures.
FIXTURES = REPO / "tests" / "data"
CORE = FIXTURES / "shop_export"
OPTIONAL = FIXTURES / "shop_export_optional"
# The marts each optional input turns on (models/marts/<input>/).
INPUT_MARTS = {
    "demographics": {"regional_monthly_sales", "segment_profiles"},
    "products": {
        "product_revenue",
        "category_revenue",
        "top_products_last_quarter",
        "segment_category_preferences",
    },
}
CORE_MARTS = {
    "cluster_k_evaluation",
    "customer_cluster_centroids",
    "customer_features_sample",
    "customer_vip_centroids",
    "customer_segments",
    "customer_segment_summary",
    "customer_rfm",
    "customer_features",
    "customer_clusters",
    "customer_cluster_profiles",
    "customer_vip",
    "customer_profiles",
    "monthly_seasonality",
    "segment_definitions",
    "customer_segment_history",
    "segment_migrations",
}


def segment(total: Decimal) -> str:
    """The segment rule as the project states it (docs/your-data.md), in exact decimals."""
    if total > 5000:
        return "High-Value"
    if total >= 1000:
        return "Medium-Value"
    if total > 0:
        return "Low-Value"
    return "No-Orders"


def expected_segments(folder: Path) -> dict[int, tuple]:
    totals: dict[int, Decimal] = defaultdict(Decimal)
    counts: Counter[int] = Counter()
    for order in read_export(folder / "orders.csv"):
        totals[int(order["customer_id"])] += Decimal(order["amount"])
        counts[int(order["customer_id"])] += 1
    expected = {}
    for customer in read_export(folder / "customers.csv"):
        customer_id = int(customer["customer_id"])
        name = customer["customer_name"].strip() or f"Customer {customer_id}"
        total = totals[customer_id]
        expected[customer_id] = (
            name,
            customer["registration_date"][:10],
            total,
            counts[customer_id],
            segment(total),
        )
    return expected


def built_segments(project: DbtProject) -> dict[int, tuple]:
    rows = project.query(
        "select customer_id, customer_name, registration_date, total_sales_amount, number_of_orders,"
        " customer_segment from customer_segments"
    )
    return {
        row[0]: (row[1], row[2], Decimal(str(round(row[3], 2))).quantize(Decimal("0.01")), row[4], row[5])
        for row in rows
    }


def normalised(expected: dict[int, tuple]) -> dict[int, tuple]:
    return {key: (n, r, t.quantize(Decimal("0.01")), c, s) for key, (n, r, t, c, s) in expected.items()}


def tables(project: DbtProject) -> set[str]:
    return {name for (name,) in project.query("select name from sqlite_master where type = 'table'")}


def snapshot(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def core_build(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("your-data")
    data = root / "my shop export"  # a space in the path, as real folders have
    shutil.copytree(CORE, data)
    before = snapshot(data)
    project = copy_project(root / "segments")
    result = project.make("build", f"DATA={data}")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return project, data, before, result.stdout


def test_the_fixture_is_as_real_exports_are():
    """What the tests below rely on, so that nobody tidies the fixture into easy data."""
    for name in ("customers.csv", "orders.csv"):
        raw = (CORE / name).read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    orders = read_export(CORE / "orders.csv")
    assert any(order["amount"] in ("0", "0.00") for order in orders)
    assert any(" " in order["order_date"] or "T" in order["order_date"] for order in orders)
    per_day = Counter((order["customer_id"], order["order_date"][:10]) for order in orders)
    assert max(per_day.values()) >= 3
    assert any(not row["customer_name"] for row in read_export(CORE / "customers.csv"))
    # A second numbering of 19 digits: the ids add up past 2^63, where SQLite's sum() fails.
    assert sum(int(order["order_id"]) for order in orders) > 2**63
    header = (CORE / "orders.csv").read_bytes()[3:].split(b"\r\n")[0].decode()
    assert header.split(",") != ["order_id", "customer_id", "order_date", "amount"]


def test_make_build_on_your_data_builds_the_segments_of_every_customer(core_build):
    project, data, _, _ = core_build
    assert built_segments(project) == normalised(expected_segments(data))


def test_boundaries_and_free_orders_land_where_the_rule_says(core_build):
    project, _, _, _ = core_build
    built = built_segments(project)
    assert built[101][2:] == (Decimal("5000.00"), 2, "Medium-Value")  # exactly 5000.00
    assert built[102][2:] == (Decimal("5000.01"), 2, "High-Value")
    assert built[103][0] == "Customer 103" and built[103][2:] == (Decimal("1000.00"), 3, "Medium-Value")
    assert built[105][2:] == (Decimal("0.00"), 2, "No-Orders")  # only free orders
    assert built[109][2:] == (Decimal("0.00"), 0, "No-Orders")  # no orders


def test_your_files_are_unchanged_and_seeds_untouched(core_build):
    project, data, before, _ = core_build
    assert snapshot(data) == before
    assert not list((project.root / "seeds").glob("*.csv")), "make build DATA=... wrote generated seeds"


def test_the_left_out_marts_are_named_in_one_line_and_not_built(core_build):
    project, _, _, output = core_build
    lines = [line for line in output.splitlines() if "Optional inputs not loaded" in line]
    assert len(lines) == 1, output[-3000:]
    assert "demographics, products, feedback" in lines[0]
    built = tables(project)
    assert built >= CORE_MARTS
    assert not (INPUT_MARTS["demographics"] | INPUT_MARTS["products"]) & built


def test_make_build_ends_naming_every_mart_left_out(core_build):
    _, _, _, output = core_build
    last = output.strip().splitlines()[-1]
    assert last.startswith(f"fresh: {len(CORE_MARTS)} marts"), last
    left_out = sorted(INPUT_MARTS["demographics"] | INPUT_MARTS["products"])
    assert f"left out: {', '.join(left_out)} (SEGMENTS_INPUTS=none)" in last


def test_publish_knows_which_marts_each_optional_input_builds():
    """segments.publish.status's list of optional marts is the marts folders' (models/marts/<input>/)."""
    on_disk = {
        path.stem: area
        for area in ("demographics", "products")
        for path in (REPO / "models" / "marts" / area).glob("*.sql")
    }
    assert on_disk == OPTIONAL_MARTS
    assert {mart: area for area, marts in INPUT_MARTS.items() for mart in marts} == on_disk


def test_the_report_and_exports_are_written(core_build):
    project, _, _, output = core_build
    for path in ("exports/customers_enriched.csv", "reports/index.html"):
        assert (project.root / path).is_file(), path
    assert "Customers per segment:" in output


@pytest.fixture(scope="module")
def optional_project(tmp_path_factory: pytest.TempPathFactory) -> DbtProject:
    return copy_project(tmp_path_factory.mktemp("your-data-optional") / "segments")


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        ("prodcts", "unknown input(s) prodcts"),
        ("Products", "unknown input(s) Products"),
        ("feedback", "feedback needs products"),
    ],
)
def test_a_bad_segments_inputs_stops_the_run_in_one_line(optional_project, inputs, message):
    """A misspelt or capitalised input would turn nothing on; feedback is about products."""
    result = optional_project.dbt("run", "--select", "stg_customers", env={"SEGMENTS_INPUTS": inputs})
    assert result.returncode != 0
    assert f"SEGMENTS_INPUTS: {message}" in result.stdout


STEPS = [
    ("demographics", ["customers.csv"], "demographics"),
    ("products", ["products.csv", "order_items.csv"], "demographics,products"),
    ("feedback", ["customer_feedback.csv"], "demographics,products,feedback"),
]


@pytest.mark.parametrize(("step", "files", "inputs"), STEPS, ids=[step for step, _, _ in STEPS])
def test_each_optional_input_turns_on_its_marts(optional_project, tmp_path, step, files, inputs):
    """The inputs added in turn (each step's folder has the files of the steps before it too): the
    loader reports them, the build makes the marts they enable, customer_segments stays exact."""
    project, data = optional_project, tmp_path / "data"
    shutil.copytree(CORE, data)
    for _, earlier, _ in STEPS[: [name for name, _, _ in STEPS].index(step)]:
        files = [*earlier, *files]
    for name in files:
        shutil.copy(OPTIONAL / name, data / name)
    listed = run_module("segments.bulk_load", "--data-dir", str(data), "--list-inputs", cwd=project.root)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.strip() == inputs
    loaded = run_module("segments.bulk_load", "--data-dir", str(data), cwd=project.root)
    assert loaded.returncode == 0, loaded.stderr
    result = project.dbt("build", "--full-refresh", env={"SEGMENTS_INPUTS": inputs, "SEGMENTS_AS_OF": ""})
    assert result.returncode == 0, result.stdout[-4000:]
    built = tables(project)
    turned_on = set().union(*(INPUT_MARTS.get(name, set()) for name in inputs.split(",")))
    assert CORE_MARTS | turned_on <= built
    assert built_segments(project) == normalised(expected_segments(data))
    if step == "feedback":
        sentiments = project.query("select average_sentiment_score from top_products_last_quarter")
        assert any(score is not None for (score,) in sentiments), sentiments


def test_tables_already_in_your_warehouse_under_other_names(tmp_path):
    """docs/your-data.md, "Tables already in your warehouse": raw tables in another schema (on
    SQLite, the file raw.db beside the warehouse) under other names, with extra columns."""
    project = copy_project(tmp_path / "segments")
    project.warehouse.parent.mkdir(parents=True, exist_ok=True)
    write_users_raw_tables(project.warehouse.parent / "raw.db", CORE)
    renamed = "{raw_tables: {customers: crm_customers, orders: shop_orders}}"
    # A project last parsed with every input on (as for the generated data): dbt's partial parsing
    # must not keep the models and tests of the inputs now off.
    assert project.dbt("parse", "--vars", renamed, env={"SEGMENTS_AS_OF": ""}).returncode == 0
    result = project.dbt(
        "build",
        "--vars",
        renamed,
        env={"SEGMENTS_RAW_SCHEMA": "raw", "SEGMENTS_INPUTS": "none", "SEGMENTS_AS_OF": ""},
    )
    assert result.returncode == 0, result.stdout[-4000:]
    assert built_segments(project) == normalised(expected_segments(CORE))


def test_a_failed_build_ends_naming_the_marts_left_from_the_last_good_one(tmp_path):
    """make build DATA=... on data that loads but fails a dbt test (a refund): exit non-zero, and
    the last lines say which marts still hold the previous build's data."""
    project = copy_project(tmp_path / "segments")
    good = tmp_path / "good"
    shutil.copytree(CORE, good)
    assert project.make("build", f"DATA={good}").returncode == 0
    refund = tmp_path / "refund"
    shutil.copytree(CORE, refund)
    orders = (refund / "orders.csv").read_bytes()
    (refund / "orders.csv").write_bytes(orders + b"-20.00,2024-12-31,5999,101,EUR,web\r\n")
    result = project.make("build", f"DATA={refund}")
    assert result.returncode != 0
    assert "stg_orders_amount_is_not_negative__refunds_are_not_supported" in result.stdout
    last_lines = (result.stdout + result.stderr).strip().splitlines()[-3:]
    stale = [line for line in last_lines if line.startswith("stale:")]
    assert stale and "customer_segments" in stale[0], last_lines
    assert built_segments(project) == normalised(expected_segments(good)), (
        "the marts must be the good build's"
    )

    # A value the loader cannot read: one line naming file, line, column and value; nothing loaded,
    # nothing built.
    unreadable = tmp_path / "unreadable"
    shutil.copytree(CORE, unreadable)
    (unreadable / "orders.csv").write_bytes(orders + b"914.55 USD,2024-12-31,5999,101,EUR,web\r\n")
    raw_before = project.query("select * from orders order by order_id")
    result = project.make("build", f"DATA={unreadable}")
    assert result.returncode != 0
    errors = [line for line in result.stderr.splitlines() if line.startswith("bulk_load: error:")]
    assert len(errors) == 1, result.stderr
    assert "orders.csv: line " in errors[0] and "column amount: '914.55 USD'" in errors[0], errors[0]
    assert project.query("select * from orders order by order_id") == raw_before
    assert built_segments(project) == normalised(expected_segments(good))
