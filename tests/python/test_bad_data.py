"""Bad raw data or a bad var makes `dbt build` fail on a named check, and the marts of the last
good build survive unchanged."""

from __future__ import annotations

import csv
import json
import shutil

import pytest
from conftest import DbtProject, copy_project

MARTS = ("customer_segments", "customer_segment_summary")


def rewrite_seed(project: DbtProject, name: str, edit) -> None:
    rows = project.read_seed(name)
    edit(rows)
    with open(project.root / "seeds" / f"{name}.csv", "w", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


DEFECTS = {
    "duplicate customer_id": (
        "customers",
        lambda rows: rows.append({**rows[0], "customer_name": "Customer Twin"}),
        "unique_customers_customer_id",
    ),
    "duplicate order_id": ("orders", lambda rows: rows.append(dict(rows[0])), "unique_orders_order_id"),
    "order for an unknown customer": (
        "orders",
        lambda rows: rows[0].update(customer_id="999999"),
        "relationships_orders_customer_id",
    ),
    "negative amount": (
        "orders",
        lambda rows: rows[0].update(amount="-5.00"),
        "accepted_range_stg_orders_amount",
    ),
    "zero amount": ("orders", lambda rows: rows[0].update(amount="0.00"), "accepted_range_stg_orders_amount"),
    "amount with fractional cents": (
        "orders",
        lambda rows: rows[0].update(amount="10.005"),
        "whole_cents_stg_orders_amount",
    ),
    "missing amount": ("orders", lambda rows: rows[0].update(amount=""), "not_null_orders_amount"),
    "unparseable order date": (
        "orders",
        # Month-first: read as DD/MM/YYYY it has month 31, so it is no date at all.
        lambda rows: rows[0].update(order_date="12/31/2025"),
        "not_null_stg_orders_order_date",
    ),
    "order after the as-of date": (
        "orders",
        lambda rows: rows[-1].update(order_date="2026-07-01"),
        "assert_orders_not_after_as_of_date",
    ),
    "order before registration": (
        "orders",
        lambda rows: rows[0].update(customer_id="1", order_date="2000-01-01"),
        "assert_orders_not_before_registration",
    ),
}


@pytest.fixture(scope="module")
def good_build(tmp_path_factory: pytest.TempPathFactory):
    project = copy_project(tmp_path_factory.mktemp("bad-data") / "segments")
    assert project.generate().returncode == 0
    assert project.dbt("build").returncode == 0
    good_seeds = project.root.parent / "good-seeds"
    shutil.copytree(project.root / "seeds", good_seeds)
    marts = {mart: project.query(f"select * from {mart}") for mart in MARTS}
    yield project, marts
    shutil.rmtree(good_seeds)


@pytest.fixture
def project(good_build):
    project, _ = good_build
    yield project
    shutil.copytree(project.root.parent / "good-seeds", project.root / "seeds", dirs_exist_ok=True)


def failing_nodes(project: DbtProject) -> list[str]:
    results = json.loads((project.root / "target" / "run_results.json").read_text())["results"]
    return [r["unique_id"] for r in results if r["status"] in ("fail", "error")]


@pytest.mark.parametrize("defect", list(DEFECTS))
def test_bad_seed_fails_a_named_test_and_keeps_the_marts(project, good_build, defect):
    seed, edit, test_name = DEFECTS[defect]
    rewrite_seed(project, seed, edit)
    # Most defects edit rows already loaded, which an incremental run never reads again (README,
    # "Incremental refresh"): rebuild, as after any change to old rows.
    result = project.dbt("build", "--full-refresh")
    assert result.returncode != 0, f"{defect}: dbt build passed"
    assert any(test_name in node for node in failing_nodes(project)), (defect, failing_nodes(project))
    assert test_name in result.stdout
    _, marts = good_build
    for mart, rows in marts.items():
        assert project.query(f"select * from {mart}") == rows, f"{defect}: {mart} changed"


@pytest.mark.parametrize(
    ("variables", "named"),
    [
        ("{high_value_threshold: lots}", "high_value_threshold"),
        ("{medium_value_threshold: -1}", "medium_value_threshold"),
        ("{medium_value_threshold: 0}", "medium_value_threshold"),
        ("{high_value_threshold: 10.001}", "high_value_threshold"),
        ("{medium_value_threshold: 6000}", "medium_value_threshold"),
        ("{cluster_k: 1}", "cluster_k"),
        ("{cluster_k: four}", "cluster_k"),
        ("{kmeans_iterations: 0}", "kmeans_iterations"),
        ("{as_of_date: '2026-02-30'}", "as_of_date"),
        ("{as_of_date: yesterday}", "as_of_date"),
    ],
)
def test_bad_var_stops_compilation_naming_the_var(good_build, variables, named):
    project, marts = good_build
    result = project.dbt("build", "--vars", variables)
    assert result.returncode != 0
    assert "Compilation Error" in result.stdout
    assert f"var '{named}'" in result.stdout
    for mart, rows in marts.items():
        assert project.query(f"select * from {mart}") == rows


def test_a_customer_name_with_quotes_commas_newlines_and_emoji_passes_through(tmp_path):
    # A copy of its own: this build succeeds and replaces the marts the other tests compare against.
    project = copy_project(tmp_path / "segments")
    assert project.generate().returncode == 0
    name = 'Customer "Zoë", O\'Brien\nsecond line 🎉'
    rewrite_seed(project, "customers", lambda rows: rows[0].update(customer_name=name))
    result = project.dbt("build")
    assert result.returncode == 0, result.stdout[-3000:]
    assert project.query("select customer_name from customer_segments where customer_id = 1") == [(name,)]
