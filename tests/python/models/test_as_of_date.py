"""The as-of date comes from the data: with SEGMENTS_AS_OF unset, a build of data that ends long
before today counts recency, the last full quarter and the check of future orders from the last
order date; SEGMENTS_AS_OF still overrides it."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from support import BIN, DbtProject, copy_project, run_generator

# Data generated as of a day long past: counted from the day dbt runs, recency would be hundreds
# of days for everyone and the last full quarter would hold no orders.
DATA_AS_OF = "2025-03-31"
LATER_BY_DAYS = 45
# Each model's count of days from the last order (customer_features: or registration) to the as-of date.
RECENCY_MODELS = {"customer_rfm": "recency_days", "customer_features": "days_since_last_activity"}


def dbt_without_as_of(
    project: DbtProject, *args: str, as_of: str | None = None
) -> subprocess.CompletedProcess[str]:
    """`dbt ARGS` in the copy with SEGMENTS_AS_OF unset (DbtProject.dbt always sets it), or set to
    `as_of`."""
    env = {key: value for key, value in os.environ.items() if key != "SEGMENTS_AS_OF"}
    env.update({"DBT_PROFILES_DIR": str(project.root), "NO_COLOR": "1"})
    if as_of is not None:
        env["SEGMENTS_AS_OF"] = as_of
    return subprocess.run(
        [str(BIN / "dbt"), "--no-use-colors", *args],
        cwd=project.root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def recency_by_customer(project: DbtProject) -> dict[str, dict[int, int]]:
    return {
        model: dict(project.query(f"select customer_id, {column} from {model}"))
        for model, column in RECENCY_MODELS.items()
    }


def last_full_quarter(day: date) -> tuple[date, date]:
    """The calendar quarter before the one that contains `day`: first and last day."""
    end = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1) - timedelta(days=1)
    return date(end.year, end.month - 2, 1), end


@dataclass
class OldData:
    project: DbtProject
    last_order_day: date
    # Read right after the build, before any test runs dbt again on the copy.
    recency: dict[str, dict[int, int]]
    last_orders: dict[int, str]
    registrations: dict[int, str]
    quarter: list[tuple[str, str, int]]
    test_statuses: dict[str, str]


@pytest.fixture(scope="module")
def old_data(tmp_path_factory: pytest.TempPathFactory) -> OldData:
    project = copy_project(tmp_path_factory.mktemp("as_of") / "segments")
    generated = run_generator(
        "--out", str(project.root / "seeds"), "--as-of", DATA_AS_OF, "--customers", "60", "--orders", "400"
    )
    assert generated.returncode == 0, generated.stderr
    for command in ("seed", "build"):
        result = dbt_without_as_of(project, command)
        assert result.returncode == 0, f"dbt {command} failed:\n{result.stdout[-6000:]}"
    results = project.run_results()
    ((last_order_day,),) = project.query("select max(order_date) from stg_orders")
    return OldData(
        project=project,
        last_order_day=date.fromisoformat(last_order_day),
        recency=recency_by_customer(project),
        last_orders=dict(project.query("select customer_id, last_order_date from customer_rfm")),
        registrations=dict(project.query("select customer_id, registration_date from stg_customers")),
        quarter=project.query(
            "select distinct quarter_start_date, quarter_end_date, count(*) over ()"
            " from top_products_last_quarter"
        ),
        test_statuses={result["unique_id"].split(".")[2]: result["status"] for result in results},
    )


def test_the_data_ends_long_before_today(old_data):
    assert old_data.last_order_day <= date.fromisoformat(DATA_AS_OF)
    assert old_data.last_order_day < date.today() - timedelta(days=90)


def test_recency_counts_from_the_last_order_day(old_data):
    rfm = old_data.recency["customer_rfm"]
    last_day = old_data.last_order_day.isoformat()
    buyers_on_the_last_day = {customer for customer, day in old_data.last_orders.items() if day == last_day}
    assert buyers_on_the_last_day, "no customer ordered on the data's last day"
    assert {customer: rfm[customer] for customer in buyers_on_the_last_day} == dict.fromkeys(
        buyers_on_the_last_day, 0
    )
    assert rfm == {
        customer: (old_data.last_order_day - date.fromisoformat(day)).days
        for customer, day in old_data.last_orders.items()
    }
    # customer_features: the same for customers with orders, from registration for the others.
    features = old_data.recency["customer_features"]
    assert features == {
        customer: rfm.get(customer, (old_data.last_order_day - date.fromisoformat(registered)).days)
        for customer, registered in old_data.registrations.items()
    }
    assert min(features.values()) == 0


def test_last_quarter_is_the_last_full_one_before_the_last_order_day(old_data):
    begin, end = last_full_quarter(old_data.last_order_day)
    assert len(old_data.quarter) == 1, old_data.quarter
    ((quarter_start, quarter_end, products),) = old_data.quarter
    assert (quarter_start, quarter_end) == (begin.isoformat(), end.isoformat())
    assert 1 <= products <= 5


def test_no_order_after_the_as_of_date_passes(old_data):
    for test in (
        "assert_orders_not_after_as_of_date",
        "assert_top_products_last_quarter_holds_the_top_five",
    ):
        assert old_data.test_statuses.get(test) == "pass", (test, old_data.test_statuses.get(test))
    # Every node of the build: tests pass, models and hooks succeed, exposures are no-ops.
    assert set(old_data.test_statuses.values()) <= {"pass", "success", "no-op"}


def test_a_later_as_of_date_moves_recency_by_the_difference(old_data):
    later = old_data.last_order_day + timedelta(days=LATER_BY_DAYS)
    result = dbt_without_as_of(
        old_data.project,
        "build",
        "--select",
        *RECENCY_MODELS,
        "assert_orders_not_after_as_of_date",
        as_of=later.isoformat(),
    )
    assert result.returncode == 0, result.stdout[-6000:]
    moved = recency_by_customer(old_data.project)
    for model in RECENCY_MODELS:
        assert moved[model] == {
            customer: days + LATER_BY_DAYS for customer, days in old_data.recency[model].items()
        }, model
