"""Orders, generated a period (a calendar month, or one appended day) at a time.

Each day's volume follows MONTH_WEIGHTS and the activity of the customers registered by then;
each order goes to one of those customers in proportion to their activity (so customers in
busier regions, and of longer standing, order more). Order ids follow order date, ties in
random order, as a real order sequence would.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from seeds_gen.config import SeedConfig, Stream, day_key, epoch_day, month_starts, month_weights, stream
from seeds_gen.csv_bytes import Integer, Text, Vocabulary, cents_field, csv_fields, rows_text
from seeds_gen.customers import CustomerBase, registration_window

HEADER = "order_id,customer_id,order_date,amount"
AMOUNT_CENTS = (1_000, 100_000)  # uniform amounts from 10.00 to 1000.00
# Keys of a period's random streams: the whole data set is cut into months, an append is one day.
MONTH, APPENDED_DAY = 0, 1


@dataclass(frozen=True)
class Period:
    """Consecutive days, the orders placed on each, and the key of their random streams."""

    days: np.ndarray  # epoch days
    counts: np.ndarray  # orders per day
    first_order_id: int
    as_of: int  # feedback is never received after this day
    key: tuple[int, int]

    @property
    def orders(self) -> int:
        return int(self.counts.sum())


@dataclass(frozen=True)
class Orders:
    order_id: np.ndarray
    customer_id: np.ndarray
    day: np.ndarray  # epoch days
    amount_cents: np.ndarray

    def __len__(self) -> int:
        return len(self.order_id)


def order_days(config: SeedConfig) -> int:
    """How many days the data set's orders are spread over (see ``orders_per_day``)."""
    first_registration, _ = registration_window(config)
    return epoch_day(config.as_of) - first_registration


def orders_per_day(config: SeedConfig, base: CustomerBase) -> tuple[np.ndarray, np.ndarray]:
    """Every day from the first registration's next day to the as-of date, and its order count."""
    days = np.arange(base.first_day + 1, epoch_day(config.as_of) + 1)
    registered = base.registered_before(days)
    active = np.where(registered > 0, base.cumulative_weight[np.maximum(registered - 1, 0)], 0.0)
    weight = month_weights(days) * active
    counts = stream(config.seed, Stream.ORDERS).multinomial(config.orders, weight / weight.sum())
    return days, counts


def monthly_periods(config: SeedConfig, days: np.ndarray, counts: np.ndarray) -> Iterator[Period]:
    month = month_starts(days)
    boundaries = np.flatnonzero(np.diff(month)) + 1
    first_order_id = 1
    for span in np.split(np.arange(len(days)), boundaries):
        period = Period(
            days=days[span],
            counts=counts[span],
            first_order_id=first_order_id,
            as_of=epoch_day(config.as_of),
            key=(MONTH, day_key(int(month[span[0]]))),
        )
        first_order_id += period.orders
        yield period


def appended_day(day: int, orders: int, first_order_id: int) -> Period:
    return Period(
        days=np.array([day]),
        counts=np.array([orders]),
        first_order_id=first_order_id,
        as_of=day,
        key=(APPENDED_DAY, day_key(day)),
    )


def generate_orders(config: SeedConfig, base: CustomerBase, period: Period) -> Orders:
    """Each order strictly after its customer's registration and not after the period."""
    rng = stream(config.seed, Stream.ORDERS, *period.key)
    n = period.orders
    day = np.repeat(period.days, period.counts)
    eligible = base.registered_before(day)  # customers 0..eligible-1 may order that day
    total = base.cumulative_weight[eligible - 1]
    wanted = rng.random(n) * total
    pick = _search_in_rough_order(base.cumulative_weight, wanted)
    customer = np.minimum(pick, eligible - 1)  # float rounding can land on the boundary
    return Orders(
        order_id=np.arange(period.first_order_id, period.first_order_id + n),
        customer_id=customer + 1,
        day=day,
        amount_cents=rng.integers(AMOUNT_CENTS[0], AMOUNT_CENTS[1] + 1, size=n),
    )


def _search_in_rough_order(ascending: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """``np.searchsorted(ascending, keys, side="right")``, the keys looked up roughly in ascending
    order: nearby keys share cache lines, which makes it 4x faster on a million customers. The
    order is by the keys' leading 16 bits (numpy sorts 16-bit values by radix, in linear time),
    2x faster overall than fully sorting the keys."""
    if not len(ascending) or not ascending[-1] > 0:
        return np.searchsorted(ascending, keys, side="right")
    leading = np.minimum(keys * (0xFFFF / ascending[-1]), 0xFFFF).astype(np.uint16)
    order = np.argsort(leading, kind="stable")
    found = np.empty(len(keys), dtype=np.intp)
    found[order] = np.searchsorted(ascending, keys[order], side="right")
    return found


def order_rows(orders: Orders, dates: Vocabulary, first_day: int) -> list[np.ndarray]:
    return rows_text(
        csv_fields(
            [
                Integer(orders.order_id),
                Integer(orders.customer_id),
                Text(dates, orders.day - first_day),
                cents_field(orders.amount_cents),
            ]
        )
    )
