"""The analytics marts on the default seeds, checked against independent computations from the
CSVs, and each question answered by one `dbt show --select <model>`."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest
from support import AS_OF

ANALYTICS_MARTS = [
    "product_revenue",
    "category_revenue",
    "top_products_last_quarter",
    "segment_profiles",
    "regional_monthly_sales",
    "monthly_seasonality",
    "segment_category_preferences",
    "customer_rfm",
]


def line_revenue(project) -> list[tuple[dict[str, str], Decimal]]:
    return [
        (line, Decimal(line["sale_price"]) * int(line["quantity"]))
        for line in project.read_seed("order_items")
    ]


@pytest.mark.parametrize("model", ANALYTICS_MARTS)
def test_each_question_is_one_dbt_show(built_project, model):
    result = built_project.dbt(
        "show", "--select", model, "--limit", "3", "--output", "json", "--log-format", "json"
    )
    assert result.returncode == 0, result.stdout[-2000:]
    shown = [
        json.loads(line)["data"]
        for line in result.stdout.splitlines()
        if '"preview"' in line and line.startswith("{")
    ]
    assert shown, result.stdout[-2000:]
    rows = json.loads(shown[-1]["preview"])
    assert len(rows) == 3


def test_product_revenue_matches_the_csv(built_project):
    expected: dict[int, Decimal] = defaultdict(Decimal)
    for line, revenue in line_revenue(built_project):
        expected[int(line["product_id"])] += revenue
    actual = dict(built_project.query("select product_id, revenue_amount from product_revenue"))
    assert set(actual) == {int(p["product_id"]) for p in built_project.read_seed("products")}
    for product_id, amount in actual.items():
        assert round(Decimal(repr(amount)) * 100) == expected.get(product_id, Decimal(0)) * 100


def test_top_products_are_the_first_quarter_of_2026(built_project):
    # AS_OF is 2026-06-30: the second quarter is not over, so the last full one is January-March.
    assert AS_OF == "2026-06-30"
    order_dates = {o["order_id"]: o["order_date"] for o in built_project.read_seed("orders")}
    revenue: dict[int, Decimal] = defaultdict(Decimal)
    for line, amount in line_revenue(built_project):
        if "2026-01-01" <= order_dates[line["order_id"]] <= "2026-03-31":
            revenue[int(line["product_id"])] += amount
    expected = sorted(revenue.items(), key=lambda item: (-item[1], item[0]))[:5]
    actual = built_project.query(
        "select quarter_start_date, quarter_end_date, product_id, revenue_amount"
        " from top_products_last_quarter order by revenue_rank"
    )
    assert {(start, end) for start, end, *_ in actual} == {("2026-01-01", "2026-03-31")}
    assert [(pid, round(Decimal(repr(amount)) * 100)) for *_, pid, amount in actual] == [
        (pid, amount * 100) for pid, amount in expected
    ]


def test_top_products_sentiment_ignores_missing_scores(built_project):
    feedback = [json.loads(row["document"]) for row in built_project.read_seed("customer_feedback")]
    unique = {doc["feedback_id"]: doc["payload"] for doc in feedback}
    for product_id, sentiment, reviews in built_project.query(
        "select product_id, average_sentiment_score, number_of_reviews from top_products_last_quarter"
    ):
        payloads = [p for p in unique.values() if p["product_id"] == product_id]
        scores = [p["sentiment_score"] for p in payloads if p["sentiment_score"] is not None]
        assert reviews == len(payloads)
        if scores:
            assert sentiment == pytest.approx(sum(scores) / len(scores), abs=1e-9)


def test_rfm_recency_and_segments(built_project):
    as_of = date.fromisoformat(AS_OF)
    last_order: dict[int, str] = {}
    for order in built_project.read_seed("orders"):
        customer = int(order["customer_id"])
        last_order[customer] = max(last_order.get(customer, ""), order["order_date"])
    rows = built_project.query(
        "select customer_id, recency_days, r_score, f_score, m_score, rfm_segment from customer_rfm"
    )
    assert {row[0] for row in rows} == set(last_order)
    for customer, recency, r, f, m, segment in rows:
        assert recency == (as_of - date.fromisoformat(last_order[customer])).days
        assert segment == rfm_segment(r, f, m)
    # Quintiles: each score holds a fifth of the customers (to within one).
    for column in (2, 3, 4):
        counts = [sum(1 for row in rows if row[column] == score) for score in range(1, 6)]
        assert max(counts) - min(counts) <= 1


def rfm_segment(r: int, f: int, m: int) -> str:
    """The documented mapping, written again independently of the SQL macro."""
    if r >= 4 and f >= 4 and m >= 4:
        return "Champions"
    if r >= 3 and f >= 4:
        return "Loyal"
    if r >= 4:
        return "Potential Loyalists" if f >= 2 else "New Customers"
    if r <= 2:
        return "At Risk" if f >= 3 else "Hibernating"
    return "Need Attention"


def test_segment_profiles_average_age(built_project):
    as_of = date.fromisoformat(AS_OF)
    segments = dict(built_project.query("select customer_id, customer_segment from customer_segments"))
    births = dict(built_project.query("select customer_id, birth_date from stg_customer_demographics"))
    ages: dict[str, list[int]] = defaultdict(list)
    for customer, segment in segments.items():
        born = date.fromisoformat(births[customer])
        ages[segment].append(as_of.year - born.year - ((as_of.month, as_of.day) < (born.month, born.day)))
    for segment, average_age in built_project.query(
        "select customer_segment, average_age from segment_profiles"
    ):
        if ages[segment]:
            assert average_age == pytest.approx(sum(ages[segment]) / len(ages[segment]))


def test_staging_cleans_the_messy_raw_data(built_project):
    raw_categories = {p["category"] for p in built_project.read_seed("products")}
    staged = {c for (c,) in built_project.query("select distinct category from stg_products")}
    assert staged == {c.strip().lower() for c in raw_categories}
    raw_births = {int(c["customer_id"]): c["birth_date"] for c in built_project.read_seed("customers")}
    for customer, birth in built_project.query(
        "select customer_id, birth_date from stg_customer_demographics"
    ):
        raw = raw_births[customer]
        assert birth == (raw if "-" in raw else f"{raw[6:10]}-{raw[3:5]}-{raw[0:2]}")
    documents = [row["document"] for row in built_project.read_seed("customer_feedback")]
    (staged_rows,) = built_project.query("select count(*) from stg_customer_feedback")[0]
    assert staged_rows == len(set(documents))
    for (received,) in built_project.query("select received_at from stg_customer_feedback"):
        assert len(received) == 19 and received[4] == "-" and received[10] == " "
