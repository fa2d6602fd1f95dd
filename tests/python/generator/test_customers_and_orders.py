"""Properties of the generated seeds, read back from the files the CLI writes."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from support import run_generator

from seeds_gen.config import three_years_before
from seeds_gen.customers import spreadsheet_column_names

AS_OF = date(2026, 6, 30)
ISO_DATE = r"\d{4}-\d{2}-\d{2}"


def generate(out: Path, *args: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    result = run_generator("--out", str(out), "--as-of", AS_OF.isoformat(), *args)
    assert result.returncode == 0, result.stderr
    read = {"dtype": str, "keep_default_na": False}
    return pd.read_csv(out / "customers.csv", **read), pd.read_csv(out / "orders.csv", **read)


@pytest.fixture(scope="module")
def default_seeds(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, pd.DataFrame]:
    return generate(tmp_path_factory.mktemp("default"))


def test_exact_columns(default_seeds):
    customers, orders = default_seeds
    assert list(customers.columns) == [
        "customer_id",
        "customer_name",
        "registration_date",
        "birth_date",
        "gender",
        "country",
        "region",
        "city",
    ]
    assert list(orders.columns) == ["order_id", "customer_id", "order_date", "amount"]


@pytest.mark.parametrize("seed", [0, 1, 7, 42, 2026])
def test_default_counts_are_drawn_from_the_seed_within_range(tmp_path, seed):
    customers, orders = generate(tmp_path, "--seed", str(seed))
    assert 100 <= len(customers) <= 150
    assert 800 <= len(orders) <= 1000


def test_default_counts_vary_with_the_seed(tmp_path):
    sizes = {tuple(map(len, generate(tmp_path / str(seed), "--seed", str(seed)))) for seed in range(6)}
    assert len(sizes) > 1


def test_counts_can_be_overridden(tmp_path):
    customers, orders = generate(tmp_path, "--customers", "1234", "--orders", "5678")
    assert (len(customers), len(orders)) == (1234, 5678)


def test_keys_are_unique_integers(default_seeds):
    customers, orders = default_seeds
    for ids in (customers["customer_id"], orders["order_id"]):
        assert ids.str.fullmatch(r"\d+").all()
        assert ids.is_unique


def test_names_follow_the_spreadsheet_scheme(default_seeds):
    customers, _ = default_seeds
    names = customers["customer_name"]
    assert names.is_unique
    assert names.str.fullmatch(r"Customer [A-Z]+").all()
    assert list(names[:3]) == ["Customer A", "Customer B", "Customer C"]
    assert names.iloc[25] == "Customer Z"
    assert names.iloc[26] == "Customer AA"


def test_bijective_base_26_beyond_two_letters():
    names = spreadsheet_column_names(18_279)
    expected = {1: "A", 26: "Z", 27: "AA", 52: "AZ", 53: "BA", 702: "ZZ", 703: "AAA", 18_278: "ZZZ"}
    for position, name in expected.items():
        assert names[position - 1] == name
    assert names[18_278] == "AAAA"
    assert len(set(names)) == len(names)


def test_registration_dates_cover_three_years_before_as_of(tmp_path):
    customers, _ = generate(tmp_path, "--customers", "20000", "--orders", "10")
    assert customers["registration_date"].str.fullmatch(ISO_DATE).all()
    registered = pd.to_datetime(customers["registration_date"], format="%Y-%m-%d").dt.date
    first = three_years_before(AS_OF)
    assert registered.min() >= first
    assert registered.max() < AS_OF
    # Uniform: every half-year of the window gets a similar share (expected 1/6 each).
    offsets = np.array([(d - first).days for d in registered])
    shares = np.bincount(offsets * 6 // (AS_OF - first).days, minlength=6) / len(offsets)
    assert np.all(np.abs(shares - 1 / 6) < 0.02)
    # Both ends of the window are reached.
    assert registered.min() < first + timedelta(days=10)
    assert registered.max() > AS_OF - timedelta(days=10)


def test_three_years_before_a_leap_day():
    assert three_years_before(date(2024, 2, 29)) == date(2021, 2, 28)


def test_orders_belong_to_customers_after_registration_and_not_after_as_of(default_seeds):
    customers, orders = default_seeds
    assert orders["order_date"].str.fullmatch(ISO_DATE).all()
    joined = orders.merge(customers, on="customer_id", how="left", validate="many_to_one")
    assert joined["registration_date"].notna().all(), "order for an unknown customer"
    assert (joined["order_date"] > joined["registration_date"]).all()
    assert (joined["order_date"] <= AS_OF.isoformat()).all()


def test_amounts_are_uniform_between_10_and_1000_with_two_decimals(tmp_path):
    _, orders = generate(tmp_path, "--customers", "500", "--orders", "200000")
    assert orders["amount"].str.fullmatch(r"\d+\.\d{2}").all()
    amounts = orders["amount"].astype(float)
    assert amounts.min() >= 10 and amounts.max() <= 1000
    assert abs(amounts.mean() - 505) < 5
    assert abs(amounts.quantile(0.25) - 257.5) < 10


SKEW_CASES = [(seed, ()) for seed in range(10)] + [
    (42, ("--customers", "1000", "--orders", "8000")),
    (7, ("--customers", "50000", "--orders", "400000")),
]


@pytest.mark.parametrize(("seed", "sizes"), SKEW_CASES)
def test_order_counts_are_skewed(tmp_path, seed, sizes):
    customers, orders = generate(tmp_path, "--seed", str(seed), *sizes)
    per_customer = orders["customer_id"].value_counts().reindex(customers["customer_id"], fill_value=0)
    # The ranges docs/generator.md states ("Skew").
    without_orders = (per_customer == 0).mean()
    assert 0.20 <= without_orders <= 0.35, f"{without_orders:.1%} of customers without orders"
    busiest = per_customer.sort_values(ascending=False).iloc[: len(customers) // 10]
    share = busiest.sum() / len(orders)
    assert 0.45 <= share <= 0.66, f"the busiest 10% place {share:.1%} of the orders"


def test_order_ids_follow_order_dates(default_seeds):
    _, orders = default_seeds
    by_id = orders.assign(order_id=orders["order_id"].astype(int)).sort_values("order_id")
    assert by_id["order_date"].is_monotonic_increasing


@pytest.mark.determinism
def test_same_flags_give_byte_identical_files(tmp_path):
    flags = ("--seed", "9", "--customers", "300", "--orders", "2000")
    generate(tmp_path / "a", *flags)
    generate(tmp_path / "b", *flags)
    for name in ("customers.csv", "orders.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_another_seed_gives_other_data(tmp_path):
    generate(tmp_path / "a", "--seed", "1", "--customers", "300", "--orders", "2000")
    generate(tmp_path / "b", "--seed", "2", "--customers", "300", "--orders", "2000")
    assert (tmp_path / "a" / "orders.csv").read_bytes() != (tmp_path / "b" / "orders.csv").read_bytes()


def test_overriding_orders_leaves_customers_unchanged(tmp_path):
    generate(tmp_path / "a", "--seed", "5")
    generate(tmp_path / "b", "--seed", "5", "--orders", "3000")
    assert (tmp_path / "a" / "customers.csv").read_bytes() == (tmp_path / "b" / "customers.csv").read_bytes()


def test_files_are_plain_utf8_with_unix_line_endings(tmp_path):
    generate(tmp_path)
    for name in ("customers.csv", "orders.csv"):
        raw = (tmp_path / name).read_bytes()
        assert b"\r" not in raw
        assert raw.endswith(b"\n")
        raw.decode("utf-8")
        assert re.fullmatch(rb"[\x20-\x7e\n]+", raw)
