"""Customer feedback, delivered as one JSON document per row, as a raw feed would."""

from __future__ import annotations

import numpy as np
import pandas as pd

from seeds_gen.generate import SeedConfig, Stream, epoch_day, stream
from seeds_gen.reference import FEEDBACK_COMMENTS

FEEDBACK_SHARE = 0.3  # of order lines
MAX_DAYS_TO_FEEDBACK = 30
SECONDS_PER_DAY = 86_400
# Each product has a quality (normal, sd 0.8) that moves its ratings around this mean.
MEAN_RATING = 3.6
RATING_NOISE = 1.0
SENTIMENT_PER_STAR = 0.45
SENTIMENT_NOISE = 0.15


def generate_feedback(
    config: SeedConfig, orders: pd.DataFrame, items: pd.DataFrame, products: pd.DataFrame
) -> pd.DataFrame:
    """Feedback on about 30% of order lines, received within 30 days of the order (never after as-of)."""
    rng = stream(config.seed, Stream.FEEDBACK)
    chosen = items[rng.random(len(items)) < FEEDBACK_SHARE]
    n = len(chosen)
    order = chosen["order_id"].to_numpy() - 1  # order ids are 1..n in row order
    product = chosen["product_id"].to_numpy() - 1

    quality = rng.normal(0.0, 0.8, size=len(products))
    rating = np.clip(np.rint(MEAN_RATING + quality[product] + rng.normal(0, RATING_NOISE, n)), 1, 5).astype(
        int
    )
    sentiment = np.clip(SENTIMENT_PER_STAR * (rating - 3) + rng.normal(0, SENTIMENT_NOISE, n), -1, 1)

    ordered = orders["order_date"].to_numpy().astype("datetime64[D]").astype(np.int64)[order]
    day = np.minimum(ordered + rng.integers(0, MAX_DAYS_TO_FEEDBACK + 1, n), epoch_day(config.as_of))
    second = rng.integers(0, SECONDS_PER_DAY, n)
    received = day * SECONDS_PER_DAY + second

    comments = np.array([text for stars in range(1, 6) for text in FEEDBACK_COMMENTS[stars]])
    comment = comments[(rating - 1) * 3 + rng.integers(0, 3, n)]

    chronological = np.lexsort((rng.random(n), received))
    frame = pd.DataFrame(
        {
            "received_at": pd.Series(received.astype("datetime64[s]").astype(str)).str.replace("T", " "),
            "customer_id": orders["customer_id"].to_numpy()[order],
            "product_id": chosen["product_id"].to_numpy(),
            "order_id": chosen["order_id"].to_numpy(),
            "rating": rating,
            "sentiment_score": np.round(sentiment, 3),
            "comment": comment,
        }
    ).iloc[chronological]
    frame.insert(0, "feedback_id", np.arange(1, n + 1, dtype=np.int64))
    return frame.reset_index(drop=True)


PAYLOAD = ["customer_id", "product_id", "order_id", "rating", "sentiment_score", "comment"]


def to_documents(feedback: pd.DataFrame) -> pd.Series:
    """One JSON document per feedback: {"feedback_id", "received_at", "payload": {...}}.

    pandas writes every row as flat JSON in C; one string replace then opens the
    payload object before its first key. A NaN sentiment becomes null.
    """
    if feedback.empty:  # to_json would still write one empty line
        return pd.Series([], dtype=str)
    flat = feedback[["feedback_id", "received_at", *PAYLOAD]].to_json(
        orient="records", lines=True, double_precision=3
    )
    rows = pd.Series(flat.splitlines())
    return rows.str.replace(f',"{PAYLOAD[0]}":', f',"payload":{{"{PAYLOAD[0]}":', n=1, regex=False) + "}"
