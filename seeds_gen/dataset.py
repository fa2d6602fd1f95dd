"""A whole data set written in one streaming pass, and a day of new orders appended to one.

Files are written a chunk at a time (customers by id, orders, lines and feedback a month at a
time), so memory holds one chunk, not the data set. A new data set replaces the old files only
once every file is complete. A manifest beside the files (``.seeds_gen.json``) records what an
append needs: the generator inputs, the next ids and each file's size.
"""

from __future__ import annotations

import json
import os
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import BinaryIO

import numpy as np

from seeds_gen import catalog, customers, feedback, orders
from seeds_gen.config import SeedConfig, epoch_day, iso_dates
from seeds_gen.csv_bytes import Vocabulary
from seeds_gen.output import OutputError, Progress
from seeds_gen.parallel import Consumer
from segments.atomic_files import replace_atomically, staged

HEADERS = {
    "customers.csv": customers.HEADER,
    "orders.csv": orders.HEADER,
    "products.csv": catalog.PRODUCTS_HEADER,
    "order_items.csv": catalog.LINES_HEADER,
    "customer_feedback.csv": feedback.HEADER,
}
APPENDED = ["orders.csv", "order_items.csv", "customer_feedback.csv"]
FEED = "customer_feedback.csv"
PARALLEL_FROM = 100_000  # orders; below this a second process costs more than it saves
# What the second process writes: the customers while the first starts on the orders (it has
# nothing else to do until the first period's feedback comes), then the feed.
SECOND_PROCESS = ["customers.csv", FEED]
MANIFEST = ".seeds_gen.json"


@dataclass
class Manifest:
    seed: int
    customers: int
    products: int
    messy_rate: float
    registration_as_of: str  # the as-of date the data set was generated for
    as_of: str  # its last day now, after any appends
    daily_orders: int  # an appended day's orders, unless told otherwise
    next_order_id: int
    next_feedback_id: int
    sizes: dict[str, int]
    appending: bool = False  # true only while an append is under way
    # Every file's size as this generator left it: a file of another size is someone else's.
    files: dict[str, int] = field(default_factory=dict)

    def config(self) -> SeedConfig:
        return SeedConfig(
            customers=self.customers,
            orders=0,
            products=self.products,
            seed=self.seed,
            as_of=date.fromisoformat(self.registration_as_of),
            messy_rate=self.messy_rate,
        )

    def save(self, path: Path) -> None:
        replace_atomically({path: lambda temp: temp.write_text(json.dumps(vars(self), indent=2) + "\n")})


class Files:
    """The data set's files open for writing, counting rows.

    The writes run on a background thread: the OS write releases the GIL, so it overlaps the
    formatting of the next chunk. At most MAX_PENDING chunks wait, which bounds the memory.
    """

    MAX_PENDING = 16

    def __init__(self, handles: dict[str, BinaryIO]) -> None:
        self.handles = handles
        self.rows = dict.fromkeys(handles, 0)
        self.writer = ThreadPoolExecutor(max_workers=1)
        self.pending: deque[Future[int]] = deque()

    def wants(self, name: str) -> bool:
        return name in self.handles

    def write(self, name: str, text: list[np.ndarray], rows: int) -> None:
        for chunk in text:
            self.pending.append(self.writer.submit(self.handles[name].write, chunk))
            while len(self.pending) > self.MAX_PENDING:
                self.pending.popleft().result()  # raises what the write raised
        self.rows[name] += rows

    def close(self) -> None:
        """Wait for every write (raising the first failure), before the files are closed."""
        try:
            while self.pending:
                self.pending.popleft().result()
        finally:
            self.writer.shutdown(cancel_futures=True)


class BufferedFiles:
    """One day's rows, held in memory until every table is generated, then appended together."""

    def __init__(self) -> None:
        self.rows: dict[str, int] = {}
        self.texts: dict[str, list[np.ndarray]] = {}

    def wants(self, name: str) -> bool:
        return True

    def write(self, name: str, text: list[np.ndarray], rows: int) -> None:
        self.texts.setdefault(name, []).extend(text)
        self.rows[name] = self.rows.get(name, 0) + rows


def generate(config: SeedConfig, out: Path, progress: Progress) -> dict[str, int]:
    """Write every file of a new data set; returns the rows written to each.

    From PARALLEL_FROM orders on, a second process writes the customers and the feed (from the
    order lines this one chooses for feedback), while this one writes the rest.
    """
    with staged([out / name for name in HEADERS]) as temps:
        paths = {name: temps[out / name] for name in HEADERS}
        if config.orders >= PARALLEL_FROM:
            second = {name: paths[name] for name in SECOND_PROCESS}
            with Consumer(_write_in_second_process, config, second) as consumer:
                first = {name: path for name, path in paths.items() if name not in second}
                rows, next_feedback_id = write_tables(config, first, progress, FeedProcess(consumer))
        else:
            rows, next_feedback_id = write_tables(config, paths, progress)
        manifest = Manifest(
            seed=config.seed,
            customers=config.customers,
            products=config.products,
            messy_rate=config.messy_rate,
            registration_as_of=config.as_of.isoformat(),
            as_of=config.as_of.isoformat(),
            daily_orders=max(1, round(config.orders / orders.order_days(config))),
            next_order_id=config.orders + 1,
            next_feedback_id=next_feedback_id,
            sizes={name: paths[name].stat().st_size for name in APPENDED},
            files={name: paths[name].stat().st_size for name in HEADERS},
        )
    manifest.save(out / MANIFEST)
    return {name: rows[name] for name in HEADERS}


def write_tables(
    config: SeedConfig,
    paths: dict[str, Path],
    progress: Progress | None = None,
    feed_process: FeedProcess | None = None,
) -> tuple[dict[str, int], int]:
    """Write every table named in ``paths``, and the feed: here, or in ``feed_process`` if given.

    Returns the rows written to each, and the next feedback id.
    """
    progress = progress or Progress("orders", config.orders, enabled=False)
    with _opened(paths) as files:
        base = (
            _write_customers(config, files)
            if files.wants("customers.csv")
            else customers.customer_base(config)
        )
        products = catalog.generate_products(config)
        if files.wants("products.csv"):
            files.write("products.csv", catalog.product_rows(config, products), len(products))
        days, counts = orders.orders_per_day(config, base)
        last_day = epoch_day(config.as_of)
        feed = feed_process or Feed(config, files, base.first_day, last_day)
        writer = _PeriodWriter(config, base, products, base.first_day, last_day, feed)
        for period in orders.monthly_periods(config, days, counts):
            writer.write(period, files, release_through=int(period.days[-1]))
            progress.advance(period.orders)
    feed_rows, next_feedback_id = feed.finish()  # a second process may still be writing
    progress.finish()
    return files.rows | feed_rows, next_feedback_id


@contextmanager
def _opened(paths: dict[str, Path]) -> Iterator[Files]:
    """The files, each with its header; closed after their last write."""
    with ExitStack() as stack:
        files = Files({name: stack.enter_context(open(path, "wb")) for name, path in paths.items()})
        stack.callback(files.close)  # runs before the files close
        for name in paths:
            files.write(name, [np.frombuffer(f"{HEADERS[name]}\n".encode(), dtype=np.uint8)], 0)
        yield files


def _write_customers(config: SeedConfig, files: Files) -> customers.CustomerBase:
    writer = customers.CustomerWriter(config)
    for chunk, base in customers.customer_chunks(config):
        files.write("customers.csv", writer.rows(chunk), len(chunk.registration))
        if base is not None:
            return base
    raise AssertionError("a data set has at least one customer")


class Feed:
    """The feed: each period's feedback is held until due, then written in the order received,
    numbered as it goes."""

    def __init__(
        self,
        config: SeedConfig,
        files: Files | BufferedFiles,
        first_day: int,
        last_day: int,
        next_feedback_id: int = 1,
    ) -> None:
        self.files = files
        self.quality = feedback.product_quality(config)
        self.writer = feedback.FeedbackWriter(config, first_day, last_day)
        self.queue = feedback.FeedbackQueue()
        self.next_feedback_id = next_feedback_id

    def add(self, reviewed: feedback.Reviewed, key: tuple[int, int], release_through: int | None) -> None:
        self.queue.add(feedback.generate_feedback(reviewed, self.quality))
        released = self.queue.release(release_through)
        text, rows = self.writer.rows(released, self.next_feedback_id, key)
        self.files.write(FEED, text, rows)
        self.next_feedback_id += len(released)

    def finish(self) -> tuple[dict[str, int], int]:
        """Rows written to the feed, and the next feedback id."""
        return {FEED: self.files.rows[FEED]}, self.next_feedback_id


class FeedProcess:
    """A Feed in the second process (``_write_in_second_process``): each period's reviewed lines
    are sent to it."""

    def __init__(self, consumer: Consumer[tuple[dict[str, int], int]]) -> None:
        self.consumer = consumer

    def add(self, reviewed: feedback.Reviewed, key: tuple[int, int], release_through: int | None) -> None:
        self.consumer.send((reviewed, key, release_through))

    def finish(self) -> tuple[dict[str, int], int]:
        """Rows written by the second process (the feed and the customers), and the next feedback id."""
        return self.consumer.result()


def _write_in_second_process(
    messages: Iterator[tuple[feedback.Reviewed, tuple[int, int], int | None]],
    config: SeedConfig,
    paths: dict[str, Path],
) -> tuple[dict[str, int], int]:
    """The tables in ``paths``: the customers if named, then the feed from each period's reviewed
    lines in turn. Returns the rows written to each, and the next feedback id."""
    with _opened(paths) as files:
        if files.wants("customers.csv"):
            _write_customers(config, files)
        first_day, last_day = customers.registration_window(config)[0], epoch_day(config.as_of)
        feed = Feed(config, files, first_day, last_day)
        for message in messages:
            feed.add(*message)
    return files.rows, feed.next_feedback_id


class _PeriodWriter:
    """Orders, their lines and their feedback, one period at a time."""

    def __init__(
        self,
        config: SeedConfig,
        base: customers.CustomerBase,
        products: catalog.Products,
        first_day: int,
        last_day: int,
        feed: Feed | FeedProcess,
    ) -> None:
        self.config, self.base, self.products = config, base, products
        self.first_day = first_day
        self.dates = Vocabulary(iso_dates(first_day, last_day))
        self.feed = feed

    def write(self, period: orders.Period, files: Files | BufferedFiles, release_through: int | None) -> None:
        placed = orders.generate_orders(self.config, self.base, period)
        lines = catalog.order_lines(self.config, placed, self.products, period.key)
        # The feed first: a second process may write it while this one writes the rest.
        reviewed = feedback.reviewed_lines(self.config, period, placed, lines)
        self.feed.add(reviewed, period.key, release_through)
        if files.wants("orders.csv"):
            files.write("orders.csv", orders.order_rows(placed, self.dates, self.first_day), len(placed))
        if files.wants("order_items.csv"):
            files.write("order_items.csv", catalog.line_rows(placed, lines), len(lines))


def files_not_ours(out: Path) -> list[Path]:
    """The files in `out` that a new data set would replace but this generator did not write, or
    that changed since it did (a user's own export, an edited seed): never overwritten unasked."""
    present = [out / name for name in HEADERS if (out / name).exists()]
    if not present:
        return []
    try:
        manifest = Manifest(**json.loads((out / MANIFEST).read_text()))
    except (OSError, ValueError, TypeError):
        return present
    # A manifest from before `files` was recorded knows the appended files' sizes only.
    known = manifest.files or manifest.sizes
    return [path for path in present if path.name in known and path.stat().st_size != known[path.name]] + [
        path for path in present if manifest.files and path.name not in manifest.files
    ]


def read_manifest(out: Path) -> Manifest:
    path = out / MANIFEST
    try:
        return Manifest(**json.loads(path.read_text()))
    except FileNotFoundError:
        raise OutputError(
            f"no data set to append to in {str(out)!r} (no {MANIFEST}): generate one first"
        ) from None
    except (ValueError, TypeError) as error:
        raise OutputError(f"{path} is not a manifest this generator wrote: {error}") from None


def _check_sizes(out: Path, manifest: Manifest) -> None:
    """Files must be as the manifest left them; an append cut short is rolled back first."""
    for name, size in manifest.sizes.items():
        path = out / name
        found = path.stat().st_size if path.exists() else -1
        if manifest.appending and found > size:
            os.truncate(path, size)
        elif found != size:
            raise OutputError(
                f"{path} is not as the generator left it ({size:,} bytes expected, "
                f"{'missing' if found < 0 else f'{found:,} found'}): generate the data set again"
            )


def append_day(out: Path, new_orders: int | None, progress: Progress) -> tuple[str, dict[str, int]]:
    """Append the day after the data set's last day: its orders, their lines and feedback."""
    manifest = read_manifest(out)
    _check_sizes(out, manifest)
    config = manifest.config()
    day = epoch_day(date.fromisoformat(manifest.as_of) + timedelta(days=1))
    period = orders.appended_day(day, new_orders or manifest.daily_orders, manifest.next_order_id)
    base = customers.customer_base(config)
    products = catalog.generate_products(config)
    files = BufferedFiles()
    feed = Feed(config, files, day, day, manifest.next_feedback_id)
    writer = _PeriodWriter(config, base, products, day, day, feed)
    writer.write(period, files, release_through=None)
    texts = files.texts

    manifest.appending = True
    manifest.save(out / MANIFEST)
    try:
        for name in APPENDED:
            with open(out / name, "ab") as handle:
                for chunk in texts[name]:
                    handle.write(chunk)
    except BaseException:
        for name, size in manifest.sizes.items():
            os.truncate(out / name, size)
        manifest.appending = False
        manifest.save(out / MANIFEST)
        raise
    manifest.sizes = {
        name: manifest.sizes[name] + sum(len(chunk) for chunk in texts[name]) for name in APPENDED
    }
    manifest.appending = False
    manifest.files |= {name: (out / name).stat().st_size for name in HEADERS if (out / name).exists()}
    manifest.as_of = str(np.datetime64(day, "D"))
    manifest.next_order_id += period.orders
    manifest.next_feedback_id = feed.next_feedback_id
    manifest.save(out / MANIFEST)
    progress.advance(period.orders)
    progress.finish()
    return manifest.as_of, files.rows
