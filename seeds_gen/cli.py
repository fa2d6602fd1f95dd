"""Command line: ``python -m seeds_gen [--customers N] [--orders N] [--seed S] [--as-of D] [--out DIR]``,
or ``python -m seeds_gen --append-day [--orders N] [--out DIR]`` for the next day's orders.

Bad arguments exit with status 2 and one line on stderr naming the argument;
files already in the output directory are left untouched. So are sizes whose estimated peak memory
is more than the machine has available (seeds_gen.memory). SIGINT, SIGTERM and SIGHUP stop a run
with one line and exit status 128 + the signal's number, its temporary files removed and its
second process ended (segments.atomic_files.signals).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import NoReturn

from seeds_gen.config import DEFAULT_MESSY_RATE, resolve_config
from seeds_gen.dataset import append_day, files_not_ours, generate, read_manifest
from seeds_gen.memory import available_memory, estimated_peak, keep_freed_memory
from seeds_gen.output import OutputError, Progress, check_writable
from segments.atomic_files.signals import Stopped, raise_on_stopping_signals

PROG = "python -m seeds_gen"

# A bound on any count; below it, what a size needs is checked against the memory available
# (check_memory).
MAX_COUNT = 100_000_000
MAX_MESSY_RATE = 0.5


class OneLineParser(argparse.ArgumentParser):
    """argparse, but errors are a single readable line (no usage block)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def positive_count(text: str) -> int:
    if not re.fullmatch(r"\s*\+?\d+\s*", text):
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}")
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text!r}")
    if value > MAX_COUNT:
        raise argparse.ArgumentTypeError(f"must be at most {MAX_COUNT:,}, got {text!r}")
    return value


def seed_value(text: str) -> int:
    if not re.fullmatch(r"\s*\+?\d+\s*", text):
        raise argparse.ArgumentTypeError(f"must be a non-negative whole number, got {text!r}")
    return int(text)


def messy_rate(text: str) -> float:
    if not re.fullmatch(r"\s*(0|1)?(\.\d+)?\s*", text) or not text.strip(". "):
        raise argparse.ArgumentTypeError(f"must be a number from 0 to {MAX_MESSY_RATE}, got {text!r}")
    value = float(text)
    if value > MAX_MESSY_RATE:
        raise argparse.ArgumentTypeError(f"must be a number from 0 to {MAX_MESSY_RATE}, got {text!r}")
    return value


def iso_date(text: str) -> date:
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError
        parsed = datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a real date as YYYY-MM-DD, got {text!r}") from None
    if parsed.year < 1900:
        raise argparse.ArgumentTypeError(f"must be in 1900 or later, got {text!r}")
    return parsed


def build_parser() -> OneLineParser:
    parser = OneLineParser(
        prog=PROG,
        description="Write deterministic synthetic seeds: customers, orders, products, lines, feedback.",
    )
    parser.add_argument(
        "--customers",
        type=positive_count,
        metavar="N",
        help="number of customers (default: 100-150, drawn from the seed)",
    )
    parser.add_argument(
        "--orders",
        type=positive_count,
        metavar="N",
        help="number of orders (default: 800-1000, drawn from the seed); with --append-day, "
        "the new day's orders (default: the data set's average day)",
    )
    parser.add_argument(
        "--products",
        type=positive_count,
        metavar="N",
        help="number of products (default: 50-200, drawn from the seed)",
    )
    parser.add_argument(
        "--messy-rate",
        type=messy_rate,
        default=None,
        metavar="R",
        help=f"share of raw rows given each kind of defect, 0 for clean data (default: {DEFAULT_MESSY_RATE})",
    )
    parser.add_argument(
        "--seed", type=seed_value, default=None, metavar="S", help="random seed (default: 42)"
    )
    parser.add_argument(
        "--as-of",
        type=iso_date,
        default=None,
        metavar="YYYY-MM-DD",
        help="last possible order date (default: today)",
    )
    parser.add_argument(
        "--append-day",
        action="store_true",
        help="append the day after the data set's last day to the files in --out "
        "(its orders, their lines and feedback), deterministically",
    )
    parser.add_argument(
        "--out", type=Path, default=Path("seeds"), metavar="DIR", help="output directory (default: seeds)"
    )
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="replace CSV files in --out that this generator did not write (refused without it)",
    )
    return parser


# Inputs an append takes from the data set it extends (its manifest), never from the command line.
FIXED_BY_DATA_SET = ("customers", "products", "messy_rate", "seed", "as_of")


def main(argv: Sequence[str] | None = None) -> int:
    try:
        with raise_on_stopping_signals():
            return run(argv)
    except Stopped as stop:
        print(f"{PROG}: stopped by {stop}, its temporary files removed", file=sys.stderr)
        return stop.exit_status


def run(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        check_writable(args.out)
    except OutputError as error:
        parser.error(f"argument --out: {error}")
    progress = Progress("orders", args.orders or 0)
    keep_freed_memory()  # for the whole process: it only generates, then exits
    if args.append_day:
        return run_append(parser, args, progress)

    config = resolve_config(
        seed=42 if args.seed is None else args.seed,
        as_of=args.as_of or date.today(),
        customers=args.customers,
        orders=args.orders,
        products=args.products,
        messy_rate=DEFAULT_MESSY_RATE if args.messy_rate is None else args.messy_rate,
    )
    check_memory(parser, estimated_peak(config.customers, config.products, orders=config.orders))
    progress.total = config.orders
    theirs = [] if args.overwrite else files_not_ours(args.out)
    if theirs:
        parser.error(
            f"argument --out: {', '.join(str(path) for path in theirs)} not written by this generator "
            "(or changed since): move them away, or pass --overwrite to replace them"
        )
    try:
        written = generate(config, args.out, progress)
    except OSError as error:
        parser.error(f"argument --out: cannot write to {str(args.out)!r}: {error.strerror or error}")
    for name, rows in written.items():
        print(f"wrote {rows:,} rows to {args.out / name}", file=sys.stderr)
    return 0


def run_append(parser: OneLineParser, args: argparse.Namespace, progress: Progress) -> int:
    given = [name for name in FIXED_BY_DATA_SET if getattr(args, name) is not None]
    if given:
        flag = "--" + given[0].replace("_", "-")
        parser.error(f"argument {flag}: not allowed with --append-day (the data set's own is used)")
    try:
        manifest = read_manifest(args.out)
        last_day = date.fromisoformat(manifest.as_of)
    except OutputError as error:
        parser.error(f"argument --append-day: {error}")
    except ValueError as error:  # a manifest edited by hand
        parser.error(f"argument --append-day: {args.out}: the data set's last day: {error}")
    if last_day >= date.max:
        parser.error(f"argument --append-day: the data set ends on {last_day}, the last day a date can have")
    orders = args.orders or manifest.daily_orders
    check_memory(parser, estimated_peak(manifest.customers, manifest.products, appended_orders=orders))
    try:
        day, rows = append_day(args.out, args.orders, progress)
    except OutputError as error:
        parser.error(f"argument --append-day: {error}")
    except OSError as error:
        parser.error(f"argument --out: cannot append to {str(args.out)!r}: {error.strerror or error}")
    for name, count in rows.items():
        print(f"appended {count:,} rows for {day} to {args.out / name}", file=sys.stderr)
    return 0


def gigabytes(count: int) -> str:
    return f"{count / 1e9:.1f} GB"


def check_memory(parser: OneLineParser, peak: dict[str, int]) -> None:
    """Refuse, naming the size that needs the most, sizes that need more memory than is available:
    the run would swap, or be killed, minutes into the work."""
    try:
        available = available_memory()
    except ValueError as error:
        parser.error(str(error))
    need = sum(peak.values())
    if available is None or need <= available:
        return
    largest = max((name for name in peak if name != "base"), key=peak.__getitem__)
    parser.error(
        f"argument --{largest}: these sizes need about {gigabytes(need)} of memory at their peak, "
        f"{gigabytes(available)} is available: choose smaller sizes"
    )
