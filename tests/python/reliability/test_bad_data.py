"""Bad raw data or a bad var makes `dbt build` fail on a named check, and the marts of the last
good build survive unchanged."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import NamedTuple

import pytest
import yaml
from support import MARTS, REPO, DbtProject, copy_project, rewrite_seed

pytestmark = pytest.mark.bad_input

# Every mart (all are tables): a defect must leave each one as the last good build left it.
# dbt reads a seed file of up to 1 MiB whole while parsing the project (for its checksum); a larger
# one only when the seed is loaded (dbt.constants.MAXIMUM_SEED_SIZE).
DBT_PARSES_SEEDS_UP_TO = 1024 * 1024


def drop_column(column: str) -> Callable[[list[dict[str, str]]], None]:
    def edit(rows: list[dict[str, str]]) -> None:
        for row in rows:
            del row[column]

    return edit


def add_column(column: str, value: str) -> Callable[[list[dict[str, str]]], None]:
    def edit(rows: list[dict[str, str]]) -> None:
        for row in rows:
            row[column] = value

    return edit


class Defect(NamedTuple):
    seed: str
    edit: Callable[[list[dict[str, str]]], object]
    # The dbt test that must fail (a prefix of its unique_id after "test.segments.").
    test_name: str
    # More the output must say, beyond the test's name.
    message: str = ""


DEFECTS = {
    "duplicate customer_id": Defect(
        "customers",
        lambda rows: rows.append({**rows[0], "customer_name": "Customer Twin"}),
        "source_unique_shop_customers_customer_id",
    ),
    "duplicate order_id": Defect(
        "orders", lambda rows: rows.append(dict(rows[0])), "source_unique_shop_orders_order_id"
    ),
    "order for an unknown customer": Defect(
        "orders",
        lambda rows: rows[0].update(customer_id="999999"),
        "relationships_stg_orders_customer_id",
    ),
    # A free order (0.00) is valid (test_a_zero_amount_order_is_valid); a refund is not supported.
    "negative amount (a refund)": Defect(
        "orders",
        lambda rows: rows[0].update(amount="-5.00"),
        "stg_orders_amount_is_not_negative__refunds_are_not_supported",
    ),
    "amount with fractional cents": Defect(
        "orders",
        lambda rows: rows[0].update(amount="10.005"),
        # The raw table's check (valid_values) sees it before staging's whole_cents does.
        "source_valid_values_shop_orders_",
    ),
    "missing amount": Defect(
        "orders", lambda rows: rows[0].update(amount=""), "source_not_null_shop_orders_amount"
    ),
    "unparseable order date": Defect(
        "orders",
        # Month-first: read as DD/MM/YYYY it has month 31, so it is no date at all.
        lambda rows: rows[0].update(order_date="12/31/2025"),
        "source_valid_values_shop_orders_",
    ),
    "order after the as-of date": Defect(
        "orders",
        lambda rows: rows[-1].update(order_date="2026-07-01"),
        "assert_orders_not_after_as_of_date",
    ),
    "order before registration": Defect(
        "orders",
        lambda rows: rows[0].update(customer_id="1", order_date="2000-01-01"),
        "assert_orders_not_before_registration",
    ),
    # Without not_empty every column test passes on no rows, and the marts are rebuilt with every
    # customer in No-Orders.
    "empty orders file (header only)": Defect(
        "orders", lambda rows: rows.clear(), "source_not_empty_shop_orders_"
    ),
    "orders without the amount column": Defect(
        "orders",
        drop_column("amount"),
        "source_has_contract_columns_shop_orders_",
        'main."orders" lacks the column(s) amount of the input contract',
    ),
    "customers without the city column": Defect(
        "customers",
        drop_column("city"),
        "source_has_contract_columns_shop_customers_",
        "lacks the column(s) city",
    ),
}


@pytest.fixture(scope="module")
def good_build(tmp_path_factory: pytest.TempPathFactory):
    project = copy_project(tmp_path_factory.mktemp("bad-data") / "segments")
    assert project.generate().returncode == 0
    assert project.seed_and_build().returncode == 0
    marts = project.keep_good_copy()
    return project, marts


@pytest.fixture
def project(good_build):
    """The good build's project; afterwards its seeds and warehouse are put back, so a case that
    changed a mart cannot make the next one fail."""
    project, _ = good_build
    yield project
    project.restore_good_copy()


def failing_nodes(project: DbtProject) -> list[str]:
    results = project.run_results()
    return [r["unique_id"] for r in results if r["status"] in ("fail", "error")]


def assert_marts_unchanged(project: DbtProject, marts: dict[str, list[str]], case: str) -> None:
    now = project.mart_rows()
    changed = [mart for mart in MARTS if now[mart] != marts[mart]]
    assert not changed, f"{case}: marts changed: {changed}"


def test_an_extra_column_is_ignored(project, good_build):
    """Real exports carry more columns than the contract: the build passes and nothing changes."""
    rewrite_seed(project, "orders", add_column("discount", "0.00"))
    result = project.seed_and_build("--full-refresh")
    assert result.returncode == 0, result.stdout[-3000:]
    assert_marts_unchanged(project, good_build[1], "extra column")


def test_a_zero_amount_order_is_valid(project, good_build):
    """A free order counts as an order; a customer whose only orders are free is No-Orders."""
    orders = project.read_seed("orders")
    first_customer = orders[0]["customer_id"]
    free = {row["order_id"] for row in orders if row["customer_id"] == first_customer}
    rewrite_seed(
        project, "orders", lambda rows: [row.update(amount="0.00") for row in rows if row["order_id"] in free]
    )
    # Their lines are free items, so the lines still add up to each order's amount.
    rewrite_seed(
        project,
        "order_items",
        lambda rows: [row.update(sale_price="0.00") for row in rows if row["order_id"] in free],
    )
    result = project.seed_and_build("--full-refresh")
    assert result.returncode == 0, result.stdout[-3000:]
    placed = sum(1 for row in orders if row["customer_id"] == first_customer)
    assert project.query(
        "select total_sales_amount, number_of_orders, customer_segment from customer_segments"
        f" where customer_id = {first_customer}"
    ) == [(0.0, placed, "No-Orders")]


@pytest.mark.parametrize("defect", list(DEFECTS))
def test_bad_seed_fails_a_named_test_and_keeps_the_marts(project, good_build, defect):
    seed, edit, test_name, message = DEFECTS[defect]
    rewrite_seed(project, seed, edit)
    # Most defects edit rows already loaded, which an incremental run never reads again
    # (docs/loading-and-refresh.md, "When to rebuild in full"): rebuild, as after any change to old rows.
    result = project.seed_and_build("--full-refresh")
    assert result.returncode != 0, f"{defect}: dbt build passed"
    assert any(node.startswith(f"test.segments.{test_name}") for node in failing_nodes(project)), (
        defect,
        failing_nodes(project),
    )
    assert test_name in result.stdout
    assert message in result.stdout
    assert_marts_unchanged(project, good_build[1], defect)


def latin1_customer_name(project: DbtProject, padding: int = 0) -> None:
    """Row 1's name written in Latin-1 ("Zoë Müller": bytes 0xEB, 0xFC), the rest of the file UTF-8;
    `padding` more bytes of name in row 2 make the file as large as needed."""
    rewrite_seed(project, "customers", lambda rows: rows[1].update(customer_name="Customer " + "x" * padding))
    path = project.root / "seeds" / "customers.csv"
    header, first, rest = path.read_bytes().split(b"\n", 2)
    fields = first.split(b",")
    fields[1] = "Zoë Müller".encode("latin-1")
    path.write_bytes(b"\n".join([header, b",".join(fields), rest]))


def test_non_utf8_bytes_in_a_seed_stop_dbt_before_any_node_runs(project, good_build):
    """A seed file up to 1 MiB (the default data's) is read while dbt parses the project: the build
    stops before any hook, seed or test runs. dbt's message has the byte but not the file's name
    (dbt-core reads seed files with load_file_contents, which does not name the path)."""
    latin1_customer_name(project)
    assert (project.root / "seeds" / "customers.csv").stat().st_size < DBT_PARSES_SEEDS_UP_TO
    run_results = project.root / "target" / "run_results.json"
    run_results.unlink(missing_ok=True)
    result = project.seed_and_build("--full-refresh")
    assert result.returncode == 2, result.stdout[-3000:]
    assert "'utf-8' codec can't decode byte 0xeb" in result.stdout
    assert not run_results.exists(), "a node ran"
    assert_marts_unchanged(project, good_build[1], "non-UTF-8 seed")


def test_non_utf8_bytes_in_a_large_seed_fail_the_seed_naming_its_file(project, good_build):
    """Above 1 MiB dbt first reads the file when loading the seed: that seed fails, naming its file,
    and everything downstream of it is skipped."""
    latin1_customer_name(project, padding=DBT_PARSES_SEEDS_UP_TO)
    result = project.seed_and_build("--full-refresh")
    assert result.returncode == 1, result.stdout[-3000:]
    assert "seed.segments.customers" in failing_nodes(project)
    assert "Compilation Error in seed customers (seeds/customers.csv)" in result.stdout
    assert "'utf-8' codec can't decode byte 0xeb" in result.stdout
    assert_marts_unchanged(project, good_build[1], "non-UTF-8 large seed")


# Every var dbt_project.yml declares, each with a value that is no number or date and one out of
# range (test_every_var_is_tried checks the list is complete).
BAD_VARS = [
    ("{high_value_threshold: lots}", "high_value_threshold"),
    ("{high_value_threshold: 0}", "high_value_threshold"),
    ("{high_value_threshold: 10.001}", "high_value_threshold"),
    ("{medium_value_threshold: some}", "medium_value_threshold"),
    ("{medium_value_threshold: -1}", "medium_value_threshold"),
    ("{medium_value_threshold: 0}", "medium_value_threshold"),
    ("{medium_value_threshold: 6000}", "medium_value_threshold"),
    ("{cluster_k: 1}", "cluster_k"),
    ("{cluster_k: four}", "cluster_k"),
    ("{kmeans_max_iterations: 0}", "kmeans_max_iterations"),
    ("{kmeans_max_iterations: forty}", "kmeans_max_iterations"),
    ("{kmeans_init: random}", "kmeans_init"),
    ("{kmeans_init: ''}", "kmeans_init"),
    ("{kmeans_seed: -1}", "kmeans_seed"),
    ("{kmeans_seed: 4.2}", "kmeans_seed"),
    ("{kmeans_sample_size: 1}", "kmeans_sample_size"),
    ("{kmeans_sample_size: all}", "kmeans_sample_size"),
    ("{as_of_date: '2026-02-30'}", "as_of_date"),
    ("{as_of_date: yesterday}", "as_of_date"),
    ("{segment_history_date: '2026-02-30'}", "segment_history_date"),
    ("{segment_history_date: yesterday}", "segment_history_date"),
    ("{raw_tables: orders}", "raw_tables"),
    ("{raw_tables: {order: shop_orders}}", "raw_tables"),
]
# The generator's lists: read only by tests of severity warn, never by a model.
UNVALIDATED_VARS = {
    "generated_genders",
    "generated_regions",
    "generated_countries",
    "generated_cities",
    "generated_categories",
}


@pytest.mark.parametrize(("variables", "named"), BAD_VARS)
def test_bad_var_stops_compilation_naming_the_var(good_build, variables, named):
    project, marts = good_build
    result = project.dbt("build", "--vars", variables)
    assert result.returncode != 0
    assert "Compilation Error" in result.stdout
    assert f"var '{named}'" in result.stdout
    assert_marts_unchanged(project, marts, variables)


def test_every_var_is_tried():
    declared = set(yaml.safe_load((REPO / "dbt_project.yml").read_text())["vars"]) - UNVALIDATED_VARS
    tried = Counter(named for _, named in BAD_VARS)
    assert set(tried) == declared
    assert min(tried.values()) >= 2, tried


def test_a_customer_name_with_quotes_commas_newlines_and_emoji_passes_through(tmp_path):
    # A copy of its own: this build succeeds and replaces the marts the other tests compare against.
    project = copy_project(tmp_path / "segments")
    assert project.generate().returncode == 0
    name = 'Customer "Zoë", O\'Brien\nsecond line 🎉'
    rewrite_seed(project, "customers", lambda rows: rows[0].update(customer_name=name))
    result = project.seed_and_build()
    assert result.returncode == 0, result.stdout[-3000:]
    assert project.query("select customer_name from customer_segments where customer_id = 1") == [(name,)]
