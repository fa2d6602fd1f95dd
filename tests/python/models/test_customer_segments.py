"""The dbt pipeline end to end on a fresh temporary warehouse: every dbt test passes, and
customer_segments matches an independent computation from the CSVs."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest
from support import REPO, SEGMENT_COLUMNS

SEGMENTS = ["High-Value", "Medium-Value", "Low-Value", "No-Orders"]


def expected_segment(total: Decimal, high: Decimal = Decimal(5000), medium: Decimal = Decimal(1000)) -> str:
    if total > high:
        return "High-Value"
    if total >= medium:
        return "Medium-Value"
    if total > 0:
        return "Low-Value"
    return "No-Orders"


def expected_rows(project) -> dict[int, tuple]:
    """customer_segments computed from the raw CSVs with exact decimals, without SQL."""
    totals: dict[int, Decimal] = {}
    counts: Counter[int] = Counter()
    for order in project.read_seed("orders"):
        customer = int(order["customer_id"])
        totals[customer] = totals.get(customer, Decimal(0)) + Decimal(order["amount"])
        counts[customer] += 1
    rows = {}
    for customer in project.read_seed("customers"):
        key = int(customer["customer_id"])
        total = totals.get(key, Decimal(0))
        rows[key] = (
            key,
            customer["customer_name"],
            customer["registration_date"],
            total,
            counts[key],
            expected_segment(total),
        )
    return rows


def test_dbt_build_ran_every_test_and_all_passed(built_project):
    results = built_project.build_results
    # Exposures are not executed: dbt reports them as no-op.
    passed = {"success", "pass"}
    failed = [
        r["unique_id"]
        for r in results
        if r["status"] not in (passed | {"no-op"} if r["unique_id"].startswith("exposure.") else passed)
    ]
    assert not failed, f"dbt nodes did not pass: {failed}"
    kinds = Counter(r["unique_id"].split(".")[0] for r in results)
    assert kinds["seed"] == 0, "dbt build leaves the seeds to dbt seed"
    assert kinds["model"] == len(list((REPO / "models").rglob("*.sql"))), "every model of models/ built"
    assert kinds["unit_test"] >= 5
    assert kinds["test"] >= 40


def test_customer_segments_columns_in_order(built_project):
    columns = [row[1] for row in built_project.query("pragma table_info(customer_segments)")]
    assert columns == SEGMENT_COLUMNS


def test_customer_segments_matches_an_independent_computation(built_project):
    expected = expected_rows(built_project)
    actual = built_project.query(f"select {', '.join(SEGMENT_COLUMNS)} from customer_segments")
    assert len(actual) == len(expected)
    for row in actual:
        want = expected[row[0]]
        assert row[:3] == want[:3]
        assert round(Decimal(repr(row[3])) * 100) == want[3] * 100, row
        assert row[4:] == want[4:], row


def test_every_segment_occurs_in_the_default_data(built_project):
    present = {
        segment for (segment,) in built_project.query("select customer_segment from customer_segments")
    }
    assert present == set(SEGMENTS)


def test_summary_has_every_segment_and_adds_up(built_project):
    segments = built_project.query("select customer_segment, count(*) from customer_segments group by 1")
    summary = built_project.query(
        "select customer_segment, number_of_customers, share_of_customers, share_of_sales"
        " from customer_segment_summary order by segment_rank"
    )
    assert [row[0] for row in summary] == SEGMENTS
    assert {row[0]: row[1] for row in summary} == dict(segments)
    assert sum(row[2] for row in summary) == pytest.approx(1, abs=0.0005)
    assert sum(row[3] for row in summary) == pytest.approx(1, abs=0.0005)


def test_seed_tables_have_explicit_types(built_project):
    types = {
        (table, column): declared
        for table in ("customers", "orders")
        for _, column, declared, *_ in built_project.query(f"pragma table_info({table})")
    }
    assert types[("customers", "customer_id")] == "INTEGER"
    assert types[("orders", "order_id")] == "INTEGER"
    assert types[("orders", "amount")] == "decimal(12, 2)"
    # varchar(n): text affinity in SQLite, and a type every other engine accepts too.
    assert types[("customers", "registration_date")] == "varchar(10000)"
