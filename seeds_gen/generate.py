"""Vectorised generators for the raw tables: no per-row Python loops.

Every table draws from its own child of one SeedSequence, so overriding one
count (say ``--orders``) never changes another table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

# Default sizes are drawn from the seed, inside these inclusive ranges.
DEFAULT_CUSTOMERS = (100, 150)
DEFAULT_ORDERS = (800, 1000)

REGISTRATION_YEARS = 3
# Share of customers who never order; at least 5% by construction.
INACTIVE_SHARE = 0.08
# Log-normal spread of customer activity: sigma 1.2 puts roughly 45% of the
# orders on the busiest 10% of customers (the property the data must show is 30%).
ACTIVITY_SIGMA = 1.2
AMOUNT_CENTS = (1_000, 100_000)  # uniform amounts from 10.00 to 1000.00
ALPHABET = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))


@dataclass(frozen=True)
class SeedConfig:
    """Resolved generator inputs: counts are known, dates are real dates."""

    customers: int
    orders: int
    seed: int
    as_of: date


def _streams(seed: int) -> tuple[np.random.Generator, ...]:
    counts, customers, orders = np.random.SeedSequence(seed).spawn(3)
    return tuple(np.random.default_rng(s) for s in (counts, customers, orders))


def resolve_config(
    seed: int, as_of: date, customers: int | None = None, orders: int | None = None
) -> SeedConfig:
    """Fill in default counts, drawn from the seed, where none was given."""
    counts_rng = _streams(seed)[0]
    default_customers = int(counts_rng.integers(DEFAULT_CUSTOMERS[0], DEFAULT_CUSTOMERS[1] + 1))
    default_orders = int(counts_rng.integers(DEFAULT_ORDERS[0], DEFAULT_ORDERS[1] + 1))
    return SeedConfig(
        customers=customers if customers is not None else default_customers,
        orders=orders if orders is not None else default_orders,
        seed=seed,
        as_of=as_of,
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


def _iso(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[D]").astype(str)


def _epoch_day(d: date) -> int:
    return int(np.datetime64(d, "D").astype(np.int64))


def generate_customers(config: SeedConfig) -> pd.DataFrame:
    """Customers 1..n, registered uniformly over the three years before the as-of date.

    Registration is at least one day before the as-of date so that every
    customer can still place an order strictly after registering.
    """
    rng = _streams(config.seed)[1]
    first = _epoch_day(three_years_before(config.as_of))
    last = _epoch_day(config.as_of) - 1
    registration = rng.integers(first, last + 1, size=config.customers)
    return pd.DataFrame(
        {
            "customer_id": np.arange(1, config.customers + 1, dtype=np.int64),
            "customer_name": "Customer " + pd.Series(spreadsheet_column_names(config.customers)),
            "registration_date": _iso(registration),
        }
    )


def _orders_per_customer(rng: np.random.Generator, customers: int, orders: int) -> np.ndarray:
    """Skewed order counts: some customers never order, a busy few order a lot."""
    inactive = min(customers - 1, math.ceil(INACTIVE_SHARE * customers))
    weights = rng.lognormal(mean=0.0, sigma=ACTIVITY_SIGMA, size=customers)
    weights[rng.permutation(customers)[:inactive]] = 0.0
    return rng.multinomial(orders, weights / weights.sum())


def generate_orders(config: SeedConfig, customers: pd.DataFrame) -> pd.DataFrame:
    """Orders strictly after the customer's registration and not after the as-of date.

    Order ids follow order date (ties in random order), as a real order
    sequence would.
    """
    rng = _streams(config.seed)[2]
    counts = _orders_per_customer(rng, len(customers), config.orders)
    customer_index = np.repeat(np.arange(len(customers)), counts)

    registered = (customers["registration_date"].to_numpy().astype("datetime64[D]").astype(np.int64))[
        customer_index
    ]
    as_of = _epoch_day(config.as_of)
    # Uniform over the days registered+1 .. as_of, inclusive.
    span = as_of - registered
    order_day = registered + 1 + np.floor(rng.random(config.orders) * span).astype(np.int64)
    amount_cents = rng.integers(AMOUNT_CENTS[0], AMOUNT_CENTS[1] + 1, size=config.orders)

    chronological = np.lexsort((rng.random(config.orders), order_day))
    return pd.DataFrame(
        {
            "order_id": np.arange(1, config.orders + 1, dtype=np.int64),
            "customer_id": customers["customer_id"].to_numpy()[customer_index][chronological],
            "order_date": _iso(order_day[chronological]),
            "amount": _format_cents(amount_cents[chronological]),
        }
    )


def _format_cents(cents: np.ndarray) -> np.ndarray:
    """Exact two-decimal text from integer cents: no float rounding on the way out."""
    units = (cents // 100).astype(str)
    hundredths = np.char.zfill((cents % 100).astype(str), 2)
    return np.char.add(np.char.add(units, "."), hundredths)
