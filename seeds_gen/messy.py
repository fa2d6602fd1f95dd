"""Deliberate defects in the raw data, as real feeds have them; staging must clean every one.

Each kind hits each row independently with probability ``rate``; rate 0 leaves the data clean.
Defects are variants of a vocabulary entry (a date's second format, a category's untidy
spelling), so a messy row costs no more to write than a clean one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from seeds_gen.config import iso_dates
from seeds_gen.csv_bytes import Text, Vocabulary

# What a messy row looks like, documented in docs/generator.md, "Messy raw data".
SECOND_DATE_FORMAT = "DD/MM/YYYY"
CATEGORY_VARIANTS: tuple[Callable[[str], str], ...] = (
    str.upper,
    lambda text: "  " + text,
    lambda text: text + " ",
    lambda text: " " + text.title() + "  ",
)


def hit(rng: np.random.Generator, n: int, rate: float) -> np.ndarray:
    return rng.random(n) < rate


def day_month_year(iso: str) -> str:
    """YYYY-MM-DD[ rest] -> DD/MM/YYYY[ rest]."""
    return f"{iso[8:10]}/{iso[5:7]}/{iso[0:4]}{iso[10:]}"


@dataclass(frozen=True)
class MessyDates:
    """Every day of a range as text in both forms, ISO first: one vocabulary for a date column."""

    first_day: int
    span: int
    vocabulary: Vocabulary

    @classmethod
    def between(cls, first_day: int, last_day: int) -> MessyDates:
        iso = iso_dates(first_day, last_day)
        return cls(first_day, len(iso), Vocabulary(iso + [day_month_year(text) for text in iso]))

    def field(self, days: np.ndarray, second_form: np.ndarray | int = 0) -> Text:
        """Epoch days as text, in the second form where ``second_form`` is true."""
        return Text(
            self.vocabulary, days - self.first_day + np.asarray(second_form, dtype=np.int64) * self.span
        )


def category_spellings(category: str) -> list[str]:
    """The clean spelling first, then every untidy variant."""
    return [category, *(make(category) for make in CATEGORY_VARIANTS)]


def category_codes(rng: np.random.Generator, category: np.ndarray, rate: float) -> np.ndarray:
    """Codes into the categories' spellings (``category_spellings`` of each, in order)."""
    variant = 1 + rng.integers(len(CATEGORY_VARIANTS), size=len(category))
    return category * (1 + len(CATEGORY_VARIANTS)) + np.where(hit(rng, len(category), rate), variant, 0)


def arrival_order(rng: np.random.Generator, originals: int, rate: float) -> np.ndarray:
    """Rows of a feed: every original in order, and ``rate`` of them again as exact duplicates,
    each at a random place among the originals."""
    duplicated = np.flatnonzero(hit(rng, originals, rate))
    position = np.concatenate([np.arange(originals, dtype=float), rng.uniform(0, originals, len(duplicated))])
    return np.concatenate([np.arange(originals), duplicated])[np.argsort(position, kind="stable")]
