"""Generator inputs, random streams and the calendar every table shares.

Every table draws from its own child of one SeedSequence, and every chunk of a table from its
own grandchild keyed by the chunk, so overriding one count (say ``--orders``) never changes
another table's independent columns, and the chunk size never changes the data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import IntEnum

import numpy as np

from seeds_gen.reference import MONTH_WEIGHTS

# Default sizes are drawn from the seed, inside these inclusive ranges.
DEFAULT_CUSTOMERS = (100, 150)
DEFAULT_ORDERS = (800, 1000)
DEFAULT_PRODUCTS = (50, 200)
DEFAULT_MESSY_RATE = 0.02
REGISTRATION_YEARS = 3
# Epoch days are shifted by this before they key a random stream (keys must be non-negative).
DAY_KEY_OFFSET = 1_000_000


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


def stream(seed: int, which: Stream, *key: int) -> np.random.Generator:
    """The random stream of one table, or of one chunk of it when ``key`` names the chunk."""
    return np.random.default_rng(np.random.SeedSequence([seed, int(which), *key]))


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


def three_years_before(as_of: date) -> date:
    try:
        return as_of.replace(year=as_of.year - REGISTRATION_YEARS)
    except ValueError:  # 29 February in a year that has none
        return as_of.replace(year=as_of.year - REGISTRATION_YEARS, day=28)


def epoch_day(d: date) -> int:
    return int(np.datetime64(d, "D").astype(np.int64))


def day_key(day: int) -> int:
    return day + DAY_KEY_OFFSET


def iso_dates(first_day: int, last_day: int) -> list[str]:
    """YYYY-MM-DD for every day from first_day to last_day (epoch days), inclusive."""
    return np.arange(first_day, last_day + 1).astype("datetime64[D]").astype(str).tolist()


def month_starts(days: np.ndarray) -> np.ndarray:
    """The epoch day of the first of each day's month."""
    return days.astype("datetime64[D]").astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)


def month_weights(days: np.ndarray) -> np.ndarray:
    """Relative order volume of each day (MONTH_WEIGHTS by calendar month)."""
    month = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12
    return np.array(MONTH_WEIGHTS)[month]
