"""Vectorised generators for customers and orders: no per-row Python loops.

Every table draws from its own child of one SeedSequence, so overriding one
count (say ``--orders``) never changes another table's independent columns.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from enum import IntEnum

import numpy as np
import pandas as pd

from seeds_gen.reference import AGE_AT_REGISTRATION, GENDERS, MONTH_WEIGHTS, REGIONS

# Default sizes are drawn from the seed, inside these inclusive ranges.
DEFAULT_CUSTOMERS = (100, 150)
DEFAULT_ORDERS = (800, 1000)
DEFAULT_PRODUCTS = (50, 200)
DEFAULT_MESSY_RATE = 0.02

REGISTRATION_YEARS = 3
# Share of customers who never order; at least 5% by construction.
INACTIVE_SHARE = 0.08
# Log-normal spread of customer activity: sigma 1.2 puts roughly 45% of the
# orders on the busiest 10% of customers (the property the data must show is 30%).
ACTIVITY_SIGMA = 1.2
AMOUNT_CENTS = (1_000, 100_000)  # uniform amounts from 10.00 to 1000.00
ALPHABET = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
DAYS_PER_YEAR = 365.25


class Stream(IntEnum):
    """Index of each table's child SeedSequence; append new ones, never reorder."""

    COUNTS = 0
    CUSTOMERS = 1
    ORDERS = 2
    DEMOGRAPHICS = 3
    PRODUCTS = 4
    ORDER_ITEMS = 5
    FEEDBACK = 6
    MESS = 7


@dataclass(frozen=True)
class SeedConfig:
    """Resolved generator inputs: counts are known, dates are real dates."""

    customers: int
    orders: int
    products: int
    seed: int
    as_of: date
    messy_rate: float = DEFAULT_MESSY_RATE


def stream(seed: int, which: Stream) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed).spawn(len(Stream))[which])


def resolve_config(
    seed: int,
    as_of: date,
    customers: int | None = None,
    orders: int | None = None,
    products: int | None = None,
    messy_rate: float = DEFAULT_MESSY_RATE,
) -> SeedConfig:
    """Fill in default counts, drawn from the seed, where none was given."""
    counts = stream(seed, Stream.COUNTS)
    # Always drawn, in this order, so a given count never shifts the others' defaults.
    drawn = [
        int(counts.integers(low, high + 1))
        for low, high in (DEFAULT_CUSTOMERS, DEFAULT_ORDERS, DEFAULT_PRODUCTS)
    ]
    return SeedConfig(
        customers=customers if customers is not None else drawn[0],
        orders=orders if orders is not None else drawn[1],
        products=products if products is not None else drawn[2],
        seed=seed,
        as_of=as_of,
        messy_rate=messy_rate,
    )


def spreadsheet_column_names(n: int) -> np.ndarray:
    """Names 1..n in bijective base 26: A..Z, AA..AZ, BA.. (the spreadsheet scheme)."""
    remaining = np.arange(1, n + 1, dtype=np.int64)
    letters = np.full(n, "", dtype=object)
    # One pass per letter position (at most 6 for a hundred million), not per row.
    while (active := remaining > 0).any():
        digit = (remaining[active] - 1) % 26
        letters[active] = np.char.add(ALPHABET[digit], letters[active].astype(str))
        remaining[active] = (remaining[active] - 1) // 26
    return letters


def three_years_before(as_of: date) -> date:
    try:
        return as_of.replace(year=as_of.year - REGISTRATION_YEARS)
    except ValueError:  # 29 February in a year that has none
        return as_of.replace(year=as_of.year - REGISTRATION_YEARS, day=28)


def iso_dates(days: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 as YYYY-MM-DD text."""
    return days.astype("datetime64[D]").astype(str)


def epoch_day(d: date) -> int:
    return int(np.datetime64(d, "D").astype(np.int64))


def geography() -> pd.DataFrame:
    """One row per city with its country, region and overall share of customers."""
    rows = [
        (region, country, city, region_share * city_share)
        for region, (region_share, _, cities) in REGIONS.items()
        for country, city, city_share in cities
    ]
    frame = pd.DataFrame(rows, columns=["region", "country", "city", "share"])
    frame["share"] /= frame["share"].sum()
    return frame


def generate_customers(config: SeedConfig) -> pd.DataFrame:
    """Customers 1..n, registered uniformly over the three years before the as-of date.

    Registration is at least one day before the as-of date so that every
    customer can still place an order strictly after registering.
    """
    rng = stream(config.seed, Stream.CUSTOMERS)
    first = epoch_day(three_years_before(config.as_of))
    last = epoch_day(config.as_of) - 1
    registration = rng.integers(first, last + 1, size=config.customers)
    customers = pd.DataFrame(
        {
            "customer_id": np.arange(1, config.customers + 1, dtype=np.int64),
            "customer_name": "Customer " + pd.Series(spreadsheet_column_names(config.customers)),
            "registration_date": iso_dates(registration),
        }
    )
    return pd.concat([customers, _demographics(config, registration)], axis=1)


def _demographics(config: SeedConfig, registration: np.ndarray) -> pd.DataFrame:
    """Birth date (an adult on the registration day), gender and home city."""
    rng = stream(config.seed, Stream.DEMOGRAPHICS)
    n = config.customers
    age = np.clip(
        rng.normal(AGE_AT_REGISTRATION["mean"], AGE_AT_REGISTRATION["sd"], n),
        AGE_AT_REGISTRATION["min"],
        AGE_AT_REGISTRATION["max"],
    )
    # ceil: 18.0 years is at least 6575 days, whatever the leap years.
    birth = registration - np.ceil(age * DAYS_PER_YEAR).astype(np.int64)
    genders = np.array(list(GENDERS))
    gender_p = np.array(list(GENDERS.values()))
    places = geography()
    home = rng.choice(len(places), size=n, p=places["share"].to_numpy())
    return pd.DataFrame(
        {
            "birth_date": iso_dates(birth),
            "gender": genders[rng.choice(len(genders), size=n, p=gender_p / gender_p.sum())],
            "country": places["country"].to_numpy()[home],
            "region": places["region"].to_numpy()[home],
            "city": places["city"].to_numpy()[home],
        }
    )


def _orders_per_customer(rng: np.random.Generator, activity: np.ndarray, orders: int) -> np.ndarray:
    """Skewed order counts: some customers never order, a busy few order a lot."""
    customers = len(activity)
    inactive = min(customers - 1, math.ceil(INACTIVE_SHARE * customers))
    weights = rng.lognormal(mean=0.0, sigma=ACTIVITY_SIGMA, size=customers) * activity
    weights[rng.permutation(customers)[:inactive]] = 0.0
    return rng.multinomial(orders, weights / weights.sum())


def _seasonal_days(rng: np.random.Generator, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """One day per row, uniform in [low, high] but thinned by MONTH_WEIGHTS (rejection sampling).

    Each pass redraws only the rejected rows; a pass keeps at least 0.47 of them, so
    a few dozen passes finish any size. After 200 passes the rest keep their draw.
    """
    month_weight = np.array(MONTH_WEIGHTS) / max(MONTH_WEIGHTS)
    days = np.empty(len(low), dtype=np.int64)
    pending = np.arange(len(low))
    for _ in range(200):
        span = high[pending] - low[pending] + 1
        candidate = low[pending] + np.floor(rng.random(len(pending)) * span).astype(np.int64)
        month = candidate.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12
        keep = rng.random(len(pending)) < month_weight[month]
        days[pending] = candidate
        pending = pending[~keep]
        if len(pending) == 0:
            break
    return days


def generate_orders(config: SeedConfig, customers: pd.DataFrame) -> pd.DataFrame:
    """Orders strictly after the customer's registration and not after the as-of date.

    Customers in busier regions order more (REGIONS' activity multiplier), and
    order dates follow MONTH_WEIGHTS. Order ids follow order date (ties in random
    order), as a real order sequence would.
    """
    rng = stream(config.seed, Stream.ORDERS)
    activity_by_region = {region: multiplier for region, (_, multiplier, _) in REGIONS.items()}
    activity = customers["region"].map(activity_by_region).to_numpy(dtype=float)
    counts = _orders_per_customer(rng, activity, config.orders)
    customer_index = np.repeat(np.arange(len(customers)), counts)

    registered = customers["registration_date"].to_numpy().astype("datetime64[D]").astype(np.int64)
    registered = registered[customer_index]
    as_of = np.full(config.orders, epoch_day(config.as_of), dtype=np.int64)
    order_day = _seasonal_days(rng, registered + 1, as_of)
    amount_cents = rng.integers(AMOUNT_CENTS[0], AMOUNT_CENTS[1] + 1, size=config.orders)

    chronological = np.lexsort((rng.random(config.orders), order_day))
    return pd.DataFrame(
        {
            "order_id": np.arange(1, config.orders + 1, dtype=np.int64),
            "customer_id": customers["customer_id"].to_numpy()[customer_index][chronological],
            "order_date": iso_dates(order_day[chronological]),
            "amount": format_cents(amount_cents[chronological]),
        }
    )


def format_cents(cents: np.ndarray) -> np.ndarray:
    """Exact two-decimal text from integer cents: no float rounding on the way out."""
    units = (cents // 100).astype(str)
    hundredths = np.char.zfill((cents % 100).astype(str), 2)
    return np.char.add(np.char.add(units, "."), hundredths)
