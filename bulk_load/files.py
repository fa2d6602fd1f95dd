"""What every loader checks before it touches the warehouse."""

from __future__ import annotations

import csv
from pathlib import Path


class LoadError(Exception):
    """A CSV that does not match its table's declared columns, or a warehouse that refuses it."""


def check_header(path: Path, column_types: dict[str, str]) -> None:
    """The CSV's header must name the declared columns, in order."""
    try:
        with open(path, newline="", encoding="utf-8") as stream:
            header = next(csv.reader(stream), None)
    except UnicodeDecodeError as error:
        raise LoadError(f"{path}: not UTF-8 ({error.reason} at byte {error.start})") from None
    if header is None:
        raise LoadError(f"{path}: empty file, not even a header")
    if header != list(column_types):
        raise LoadError(f"{path}: columns {header} differ from the declared {list(column_types)}")


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
