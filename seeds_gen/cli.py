"""Command line: ``python -m seeds_gen [--customers N] [--orders N] [--seed S] [--as-of D] [--out DIR]``.

Bad arguments exit with status 2 and one line on stderr naming the argument;
files already in the output directory are left untouched.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import NoReturn

from seeds_gen.generate import generate_customers, generate_orders, resolve_config
from seeds_gen.writer import OutputError, check_writable, write_csvs_atomically

# Counts above this would need more memory than a laptop has.
MAX_COUNT = 100_000_000


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
        prog="python -m seeds_gen",
        description="Write deterministic synthetic customers.csv and orders.csv seeds.",
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
        help="number of orders (default: 800-1000, drawn from the seed)",
    )
    parser.add_argument("--seed", type=seed_value, default=42, metavar="S", help="random seed (default: 42)")
    parser.add_argument(
        "--as-of",
        type=iso_date,
        default=None,
        metavar="YYYY-MM-DD",
        help="last possible order date (default: today)",
    )
    parser.add_argument(
        "--out", type=Path, default=Path("seeds"), metavar="DIR", help="output directory (default: seeds)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        check_writable(args.out)
    except OutputError as error:
        parser.error(f"argument --out: {error}")

    config = resolve_config(
        seed=args.seed,
        as_of=args.as_of or date.today(),
        customers=args.customers,
        orders=args.orders,
    )
    customers = generate_customers(config)
    orders = generate_orders(config, customers)
    try:
        written = write_csvs_atomically(args.out, {"customers.csv": customers, "orders.csv": orders})
    except OutputError as error:
        parser.error(f"argument --out: {error}")
    for path, rows in written:
        print(f"wrote {rows:,} rows to {path}", file=sys.stderr)
    return 0
