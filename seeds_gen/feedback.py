"""Customer feedback, delivered as one JSON document per row, as a raw feed would.

Feedback arrives up to 30 days after an order, so a period's feedback spills into the next
periods: a ``FeedbackQueue`` holds it until no later period can send anything earlier, then
releases it in the order it was received, numbered as it goes.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from seeds_gen.catalog import Lines
from seeds_gen.config import SeedConfig, Stream, stream
from seeds_gen.csv_bytes import Integer, Literal, Text, Vocabulary, rows_text
from seeds_gen.messy import MessyDates, arrival_order, hit
from seeds_gen.orders import Orders, Period
from seeds_gen.reference import FEEDBACK_COMMENTS

HEADER = "document"
FEEDBACK_SHARE = 0.3  # of order lines
MAX_DAYS_TO_FEEDBACK = 30
SECONDS_PER_DAY = 86_400
# Each product has a quality (normal, sd 0.8) that moves its ratings around this mean.
MEAN_RATING = 3.6
RATING_NOISE = 1.0
SENTIMENT_PER_STAR = 0.45
SENTIMENT_NOISE = 0.15
COMMENTS = [text for stars in range(1, 6) for text in FEEDBACK_COMMENTS[stars]]
# Sentiment is written in thousandths, as JSON numbers; the last entry is a missing one.
SENTIMENTS = [repr(round(thousandths / 1000, 3)) for thousandths in range(-1000, 1001)] + ["null"]
MISSING_SENTIMENT = len(SENTIMENTS) - 1


@dataclass(frozen=True)
class Feedback:
    received: np.ndarray  # seconds since the epoch
    arrival: np.ndarray  # breaks ties between equal timestamps
    customer_id: np.ndarray
    product_id: np.ndarray
    order_id: np.ndarray
    rating: np.ndarray
    sentiment: np.ndarray  # thousandths, -1000..1000
    comment: np.ndarray  # codes into COMMENTS

    def __len__(self) -> int:
        return len(self.received)

    def take(self, rows: np.ndarray) -> Feedback:
        return Feedback(*(getattr(self, field.name)[rows] for field in fields(self)))

    @staticmethod
    def concat(parts: list[Feedback]) -> Feedback:
        return Feedback(
            *(np.concatenate([getattr(part, field.name) for part in parts]) for field in fields(Feedback))
        )


def product_quality(config: SeedConfig) -> np.ndarray:
    return stream(config.seed, Stream.FEEDBACK).normal(0.0, 0.8, size=config.products)


@dataclass(frozen=True)
class Reviewed:
    """The order lines that get feedback, as much of them as the feedback needs: little enough to
    send to the feed's process, which draws the rest."""

    rng: np.random.Generator  # the period's feedback stream, past the choice of lines
    as_of: int  # feedback is never received after this day
    order_id: np.ndarray
    customer_id: np.ndarray
    day: np.ndarray  # of the order
    product: np.ndarray  # index into the products

    def __len__(self) -> int:
        return len(self.order_id)


def reviewed_lines(config: SeedConfig, period: Period, orders: Orders, lines: Lines) -> Reviewed:
    """About 30% of order lines. Ids and days fit 32 bits, which halves what is sent."""
    rng = stream(config.seed, Stream.FEEDBACK, *period.key)
    chosen = np.flatnonzero(rng.random(len(lines)) < FEEDBACK_SHARE)
    order = lines.order[chosen]
    return Reviewed(
        rng=rng,
        as_of=period.as_of,
        order_id=orders.order_id[order],
        customer_id=orders.customer_id[order].astype(np.int32),
        day=orders.day[order].astype(np.int32),
        product=lines.product[chosen].astype(np.int32),
    )


def generate_feedback(reviewed: Reviewed, quality: np.ndarray) -> Feedback:
    """Feedback on the reviewed lines, received within 30 days of the order (never after as-of)."""
    rng, n = reviewed.rng, len(reviewed)
    product = reviewed.product
    rating = np.clip(np.rint(MEAN_RATING + quality[product] + rng.normal(0, RATING_NOISE, n)), 1, 5).astype(
        int
    )
    sentiment = np.clip(SENTIMENT_PER_STAR * (rating - 3) + rng.normal(0, SENTIMENT_NOISE, n), -1, 1)
    day = np.minimum(reviewed.day + rng.integers(0, MAX_DAYS_TO_FEEDBACK + 1, n), reviewed.as_of)
    return Feedback(
        received=day * SECONDS_PER_DAY + rng.integers(0, SECONDS_PER_DAY, n),
        arrival=rng.random(n),
        customer_id=reviewed.customer_id,
        product_id=product + 1,
        order_id=reviewed.order_id,
        rating=rating,
        sentiment=np.rint(sentiment * 1000).astype(np.int64),
        comment=(rating - 1) * 3 + rng.integers(0, 3, n),
    )


class FeedbackQueue:
    """Feedback waiting for every earlier-received feedback to be generated."""

    def __init__(self) -> None:
        self.waiting: list[Feedback] = []

    def add(self, feedback: Feedback) -> None:
        self.waiting.append(feedback)

    def release(self, through_day: int | None = None) -> Feedback:
        """Feedback received up to the end of ``through_day`` (all when None), oldest first."""
        pending = Feedback.concat(self.waiting) if self.waiting else None
        if pending is None or len(pending) == 0:
            self.waiting = []
            return Feedback(*(np.zeros(0, dtype=np.int64) for _ in fields(Feedback)))
        due = (
            np.ones(len(pending), bool)
            if through_day is None
            else pending.received < (through_day + 1) * SECONDS_PER_DAY
        )
        self.waiting = [pending.take(np.flatnonzero(~due))]
        released = np.flatnonzero(due)
        return pending.take(released[received_order(pending.received[released], pending.arrival[released])])


def received_order(received: np.ndarray, arrival: np.ndarray) -> np.ndarray:
    """``np.lexsort((arrival, received))``, 4x faster: a stable sort by time, then lexsort only
    among the rows received in the same second as another (a tenth of them at 10M orders)."""
    order = _stable_order(received)
    in_order = received[order]
    same = in_order[1:] == in_order[:-1]
    tied = np.zeros(len(order), dtype=bool)
    tied[1:] = same
    tied[:-1] |= same
    rows = order[tied]  # each tied second's rows together, in row order (the sort is stable)
    order[tied] = rows[np.lexsort((arrival[rows], received[rows]))]
    return order


def _stable_order(values: np.ndarray) -> np.ndarray:
    """``np.argsort(values, kind="stable")``. Values spanning less than 2**32 (136 years of
    seconds) are sorted as two 16-bit halves, for which numpy uses radix sort: 2x faster."""
    if not len(values) or int(values.max()) - int(values.min()) >= 2**32:
        return np.argsort(values, kind="stable")
    offset = values - values.min()
    low_first = np.argsort((offset & 0xFFFF).astype(np.uint16), kind="stable")
    return low_first[np.argsort((offset[low_first] >> 16).astype(np.uint16), kind="stable")]


class FeedbackWriter:
    """The feed's CSV rows: JSON documents, with ``messy_rate`` of them missing their sentiment,
    timestamped DD/MM/YYYY, or sent twice."""

    def __init__(self, config: SeedConfig, first_day: int, last_day: int) -> None:
        self.config = config
        self.dates = MessyDates.between(first_day, last_day)
        self.sentiments = Vocabulary(SENTIMENTS)
        # A JSON string inside a CSV field: the CSV doubles its quotes.
        self.comments = Vocabulary([text.replace('"', '\\""') for text in COMMENTS])

    def rows(self, feedback: Feedback, first_id: int, key: tuple[int, ...]) -> tuple[list[np.ndarray], int]:
        """The rows, and how many of them there are (duplicates included)."""
        mess = stream(self.config.seed, Stream.MESS, 2, *key)
        rate = self.config.messy_rate
        n = len(feedback)
        sentiment = np.where(hit(mess, n, rate), MISSING_SENTIMENT, feedback.sentiment + 1000)
        day, second = np.divmod(feedback.received, SECONDS_PER_DAY)
        second_form = hit(mess, n, rate)
        feed = arrival_order(mess, n, rate)
        feedback_id = np.arange(first_id, first_id + n)
        text = rows_text(
            [
                Literal('"{""feedback_id"":'),
                Integer(feedback_id[feed]),
                Literal(',""received_at"":""'),
                self.dates.field(day[feed], second_form[feed]),
                Literal(" "),
                Integer(second[feed] // 3600, min_digits=2),
                Literal(":"),
                Integer(second[feed] // 60 % 60, min_digits=2),
                Literal(":"),
                Integer(second[feed] % 60, min_digits=2),
                Literal('"",""payload"":{""customer_id"":'),
                Integer(feedback.customer_id[feed]),
                Literal(',""product_id"":'),
                Integer(feedback.product_id[feed]),
                Literal(',""order_id"":'),
                Integer(feedback.order_id[feed]),
                Literal(',""rating"":'),
                Integer(feedback.rating[feed]),
                Literal(',""sentiment_score"":'),
                Text(self.sentiments, sentiment[feed]),
                Literal(',""comment"":""'),
                Text(self.comments, feedback.comment[feed]),
                Literal('""}}"'),
            ]
        )
        return text, len(feed)
