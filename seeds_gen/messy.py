"""Deliberate defects in the raw data, as real feeds have them; staging must clean every one.

Each kind hits each row independently with probability ``rate``; rate 0 leaves the data clean.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from seeds_gen.feedback import to_documents

# What a messy row looks like, documented in the README.
SECOND_DATE_FORMAT = "DD/MM/YYYY"
CATEGORY_VARIANTS = (
    lambda text: text.str.upper(),
    lambda text: "  " + text,
    lambda text: text + " ",
    lambda text: " " + text.str.title() + "  ",
)


def _hit(rng: np.random.Generator, n: int, rate: float) -> np.ndarray:
    return rng.random(n) < rate


def day_month_year(iso: pd.Series) -> pd.Series:
    """YYYY-MM-DD[ rest] -> DD/MM/YYYY[ rest]."""
    return iso.str.slice(8, 10) + "/" + iso.str.slice(5, 7) + "/" + iso.str.slice(0, 4) + iso.str.slice(10)


def mess_dates(rng: np.random.Generator, dates: pd.Series, rate: float) -> pd.Series:
    hit = _hit(rng, len(dates), rate)
    messy = dates.copy()
    messy[hit] = day_month_year(dates[hit])  # only the hit rows: string slicing is the slow part
    return messy


def mess_categories(rng: np.random.Generator, categories: pd.Series, rate: float) -> pd.Series:
    hit = _hit(rng, len(categories), rate)
    variant = rng.integers(len(CATEGORY_VARIANTS), size=len(categories))
    messy = categories.copy()
    for index, make in enumerate(CATEGORY_VARIANTS):  # a handful of variants, not rows
        rows = hit & (variant == index)
        messy[rows] = make(categories[rows])
    return messy


def feedback_documents(rng: np.random.Generator, feedback: pd.DataFrame, rate: float) -> pd.DataFrame:
    """The feed: JSON documents with missing sentiment, DD/MM/YYYY timestamps and exact duplicates."""
    sentiment = feedback["sentiment_score"].where(~_hit(rng, len(feedback), rate))
    received = mess_dates(rng, feedback["received_at"], rate)
    documents = to_documents(feedback.assign(received_at=received, sentiment_score=sentiment))
    duplicated = documents[_hit(rng, len(documents), rate)]
    feed = pd.concat([documents, duplicated], ignore_index=True)
    return pd.DataFrame(
        {"document": feed.iloc[_arrival_order(rng, len(documents), len(duplicated))].to_numpy()}
    )


def _arrival_order(rng: np.random.Generator, originals: int, duplicates: int) -> np.ndarray:
    """Originals in order, each duplicate at a random place among them."""
    position = np.concatenate([np.arange(originals, dtype=float), rng.uniform(0, originals, duplicates)])
    return np.argsort(position, kind="stable")
