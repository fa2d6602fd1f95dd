"""Customers, written in chunks: ids follow registration, as a real sign-up sequence does.

What orders need from the customers (who had registered by a given day, and how active each
one is) is kept in a ``CustomerBase``: a count per registration day and a running total of
activity, 16 bytes per customer.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from seeds_gen.config import SeedConfig, Stream, epoch_day, stream, three_years_before
from seeds_gen.csv_bytes import Integer, Literal, Text, Vocabulary, csv_fields, csv_quote, rows_text
from seeds_gen.messy import MessyDates
from seeds_gen.reference import AGE_AT_REGISTRATION, GENDERS, REGIONS

CHUNK = 1 << 16  # customers per chunk: its random streams are keyed by the chunk number
HEADER = "customer_id,customer_name,registration_date,birth_date,gender,country,region,city"
# Share of customers who never order; at least 5% by construction.
INACTIVE_SHARE = 0.08
# Log-normal spread of customer activity: sigma 1.2 puts 45-66% of the
# orders on the busiest 10% of customers (docs/generator.md, "Patterns").
ACTIVITY_SIGMA = 1.2
DAYS_PER_YEAR = 365.25
ALPHABET_START = ord("A")


@dataclass(frozen=True)
class Places:
    """Every city with its country, region, share of customers and order activity."""

    country: list[str]
    region: list[str]
    city: list[str]
    share: np.ndarray
    activity: np.ndarray

    @classmethod
    def from_reference(cls) -> Places:
        rows = [
            (region, country, city, region_share * city_share, activity)
            for region, (region_share, activity, cities) in REGIONS.items()
            for country, city, city_share in cities
        ]
        share = np.array([row[3] for row in rows])
        return cls(
            country=[row[1] for row in rows],
            region=[row[0] for row in rows],
            city=[row[2] for row in rows],
            share=share / share.sum(),
            activity=np.array([row[4] for row in rows]),
        )


PLACES = Places.from_reference()


@dataclass(frozen=True)
class CustomerBase:
    """Registration days and activity of all customers, in id order."""

    first_day: int  # epoch day of registration_counts[0]
    registration_counts: np.ndarray  # customers registered on each day from first_day
    cumulative_weight: np.ndarray  # running total of activity over customer ids

    @property
    def customers(self) -> int:
        return len(self.cumulative_weight)

    def registered_before(self, day: np.ndarray) -> np.ndarray:
        """How many customers (the lowest ids) had registered before each day."""
        ends = np.cumsum(self.registration_counts)
        offset = np.clip(np.asarray(day) - self.first_day, 0, len(ends))
        return np.concatenate([[0], ends])[offset]

    def registration_days(self, first_index: int, count: int) -> np.ndarray:
        index = np.arange(first_index, first_index + count)
        return self.first_day + np.searchsorted(np.cumsum(self.registration_counts), index, side="right")


def registration_window(config: SeedConfig) -> tuple[int, int]:
    """Registration is uniform over the three years before the as-of date, and at least a
    day before it, so every customer can still order strictly after registering."""
    return epoch_day(three_years_before(config.as_of)), epoch_day(config.as_of) - 1


def registration_counts(config: SeedConfig) -> tuple[int, np.ndarray]:
    first, last = registration_window(config)
    days = last - first + 1
    counts = stream(config.seed, Stream.CUSTOMERS).multinomial(config.customers, np.full(days, 1 / days))
    return first, counts


@dataclass(frozen=True)
class CustomerChunk:
    first_id: int
    registration: np.ndarray  # epoch days
    birth: np.ndarray  # epoch days
    gender: np.ndarray  # codes into GENDERS
    place: np.ndarray  # codes into PLACES
    weight: np.ndarray  # activity: 0 for customers who never order


def customer_chunks(config: SeedConfig) -> Iterator[tuple[CustomerChunk, CustomerBase | None]]:
    """Every chunk of customers in id order; the last one comes with the finished base."""
    first_day, counts = registration_counts(config)
    partial = CustomerBase(first_day, counts, np.zeros(0))
    weights: list[np.ndarray] = []
    chunks = math.ceil(config.customers / CHUNK)
    for number in range(chunks):
        size = min(CHUNK, config.customers - number * CHUNK)
        chunk = _chunk(config, partial, number, size)
        weights.append(chunk.weight)
        base = (
            CustomerBase(first_day, counts, np.cumsum(np.concatenate(weights)))
            if number == chunks - 1
            else None
        )
        yield chunk, base


def customer_base(config: SeedConfig) -> CustomerBase:
    """The base alone, for appending orders to an existing data set."""
    for _, base in customer_chunks(config):
        if base is not None:
            return base
    raise AssertionError("a data set has at least one customer")


def _chunk(config: SeedConfig, base: CustomerBase, number: int, size: int) -> CustomerChunk:
    registration = base.registration_days(number * CHUNK, size)
    people = stream(config.seed, Stream.DEMOGRAPHICS, number)
    age = np.clip(
        people.normal(AGE_AT_REGISTRATION["mean"], AGE_AT_REGISTRATION["sd"], size),
        AGE_AT_REGISTRATION["min"],
        AGE_AT_REGISTRATION["max"],
    )
    gender_share = np.array(list(GENDERS.values()))
    gender = people.choice(len(GENDERS), size=size, p=gender_share / gender_share.sum())
    place = people.choice(len(PLACES.city), size=size, p=PLACES.share)

    activity = stream(config.seed, Stream.CUSTOMERS, number)
    weight = activity.lognormal(mean=0.0, sigma=ACTIVITY_SIGMA, size=size) * PLACES.activity[place]
    inactive = min(size - 1, math.ceil(INACTIVE_SHARE * size))
    weight[activity.permutation(size)[:inactive]] = 0.0
    return CustomerChunk(
        first_id=number * CHUNK + 1,
        registration=registration,
        # ceil: 18.0 years is at least 6575 days, whatever the leap years.
        birth=registration - np.ceil(age * DAYS_PER_YEAR).astype(np.int64),
        gender=gender,
        place=place,
        weight=weight,
    )


@dataclass(frozen=True)
class Letters:
    """Bijective base 26 (A..Z, AA..AZ, BA..): the spreadsheet column names of 1, 2, 3..."""

    values: np.ndarray

    @property
    def rows(self) -> int:
        return len(self.values)

    @property
    def width(self) -> int:
        largest, letters = int(self.values.max()) if self.values.size else 1, 0
        while largest > 0:
            largest, letters = (largest - 1) // 26, letters + 1
        return max(letters, 1)

    def part(self, first: int, last: int) -> Letters:
        return Letters(self.values[first:last])

    def fill(self, band: np.ndarray) -> None:
        remaining = self.values.astype(np.int64)
        for position in range(band.shape[1] - 1, -1, -1):  # one pass per letter, right to left
            active = remaining > 0
            band[:, position] = (ALPHABET_START + (remaining - 1) % 26) * active  # NUL: no letter
            remaining = np.where(active, (remaining - 1) // 26, 0)


def spreadsheet_column_names(n: int) -> list[str]:
    return b"".join(rows_text([Letters(np.arange(1, n + 1))])).decode().splitlines()


class CustomerWriter:
    """CSV rows for customer chunks, with ``messy_rate`` of birth dates as DD/MM/YYYY."""

    def __init__(self, config: SeedConfig) -> None:
        self.config = config
        first, last = registration_window(config)
        oldest = first - math.ceil(AGE_AT_REGISTRATION["max"] * DAYS_PER_YEAR) - 1
        self.dates = MessyDates.between(oldest, last)
        self.genders = Vocabulary([csv_quote(text) for text in GENDERS])
        self.country = Vocabulary([csv_quote(text) for text in PLACES.country])
        self.region = Vocabulary([csv_quote(text) for text in PLACES.region])
        self.city = Vocabulary([csv_quote(text) for text in PLACES.city])

    def rows(self, chunk: CustomerChunk) -> list[np.ndarray]:
        size = len(chunk.registration)
        ids = np.arange(chunk.first_id, chunk.first_id + size)
        mess = stream(self.config.seed, Stream.MESS, 0, chunk.first_id)
        second_form = mess.random(size) < self.config.messy_rate
        return rows_text(
            csv_fields(
                [
                    Integer(ids),
                    [Literal("Customer "), Letters(ids)],
                    self.dates.field(chunk.registration),
                    self.dates.field(chunk.birth, second_form),
                    Text(self.genders, chunk.gender),
                    Text(self.country, chunk.place),
                    Text(self.region, chunk.place),
                    Text(self.city, chunk.place),
                ]
            )
        )
