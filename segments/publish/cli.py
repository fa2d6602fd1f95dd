"""The command line every publish module shares: --warehouse, its own output paths, one error line."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

from segments.publish.status import publishable
from segments.warehouse import READABLE, Warehouse, WarehouseError, current_target


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a bad argument is one readable line (no usage block), exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def os_error_line(error: OSError) -> str:
    """An OSError in one line, naming the path; a file in the way of a folder is named as such (mkdir
    says only "File exists" or "Not a directory")."""
    path = Path(error.filename) if error.filename else None
    if path is not None and isinstance(error, FileExistsError | NotADirectoryError):
        file = next((each for each in (path, *path.parents) if each.is_file()), None)
        if file is not None:
            return f"cannot write to {file}: it is a file, not a folder"
    where = f"{path}: " if path is not None else ""
    return f"{where}{error.strerror or error}"


def add_warehouse_arguments(parser: argparse.ArgumentParser) -> None:
    """--target (the dbt target whose marts are read: $SEGMENTS_TARGET, else sqlite) and
    --warehouse (its database file, sqlite and duckdb), read through segments.warehouse."""
    parser.add_argument(
        "--target",
        choices=READABLE,
        default=current_target(),
        help="the dbt target whose warehouse is read (default: $SEGMENTS_TARGET, else sqlite); postgres "
        "connects as profiles.yml does (SEGMENTS_PG_*)",
    )
    parser.add_argument(
        "--warehouse",
        type=Path,
        help="sqlite/duckdb: the database file (default: $SEGMENTS_WAREHOUSE_DIR or warehouse, "
        "/segments.db or /segments.duckdb)",
    )


def add_currency_argument(parser: argparse.ArgumentParser) -> None:
    """--currency: the currency of the amounts, shown in the report's header, its tables' headers and
    the charts' money axes ($SEGMENTS_CURRENCY; default none: amounts without a symbol)."""
    parser.add_argument(
        "--currency",
        default=os.environ.get("SEGMENTS_CURRENCY", "").strip() or None,
        help="the currency of the amounts, e.g. EUR (default: $SEGMENTS_CURRENCY, else none: amounts are"
        " shown without a symbol and the report says that no currency is set)",
    )


def run(
    prog: str,
    description: str,
    outputs: dict[str, tuple[str, str]],
    publish: Callable[[Warehouse, argparse.Namespace], list[Path]],
    argv: Sequence[str] | None = None,
    currency: bool = False,
) -> int:
    """outputs: flag -> (default path, help). Prints the files written, a line a folder; a missing or unbuilt
    warehouse, or a mart older than the raw data it comes from (segments.publish.status), ends with exit
    status 1 and one line saying what to do, before anything is written. So does an output path
    that cannot be written (a file where a folder is wanted, a read-only folder, a full disk), when
    it is reached: the files already written stay, each whole (atomic_files). `currency`: the
    command takes --currency (add_currency_argument), read as args.currency."""
    parser = OneLineParser(prog=prog, description=description)
    add_warehouse_arguments(parser)
    if currency:
        add_currency_argument(parser)
    for flag, (default, help_text) in outputs.items():
        parser.add_argument(flag, type=Path, default=Path(default), help=f"{help_text} (default: {default})")
    args = parser.parse_args(argv)
    try:
        warehouse = Warehouse(args.warehouse, args.target)
        # The marts there to publish, once none is stale; publish(...) reads args.marts.
        args.marts = publishable(warehouse)
        written = publish(warehouse, args)
    except WarehouseError as error:
        parser.exit(1, f"{prog}: error: {error}\n")
    except OSError as error:
        parser.exit(1, f"{prog}: error: {os_error_line(error)}\n")
    for line in written_lines(written):
        print(line)
    return 0


def written_lines(paths: Sequence[Path]) -> list[str]:
    """One line a folder, in the order written: `wrote exports/customers_enriched.csv,
    customers_enriched.xlsx`."""
    folders: dict[Path, list[Path]] = {}
    for path in paths:
        folders.setdefault(path.parent, []).append(path)
    return [
        ", ".join([f"wrote {files[0]}", *(path.name for path in files[1:])]) for files in folders.values()
    ]
