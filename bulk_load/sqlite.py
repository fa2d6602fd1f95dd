"""Load seed CSVs into the SQLite warehouse's raw tables, as `dbt seed` would name and type them.

Each table is streamed from its CSV (csv.reader into one executemany, so memory does not grow with
the file) into a new table under a temporary name, then swapped in for the old one within the same
transaction: a reader sees the old table or the new one, never none, and a failed load leaves the
old table as it was. Values go in as text; the declared column types (seeds/_seeds.yml) give them
SQLite's affinity, as they do for `dbt seed`. An empty cell is NULL, as in `dbt seed`.

With append (after `python -m seeds_gen --append-day`), a table keeps its rows and gains the rows
of the file beyond the ones it already has, in one transaction.
"""

from __future__ import annotations

import csv
import io
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bulk_load.files import LoadError, check_header, quoted
from bulk_load.records import offset_after_records


def load_table(
    connection: sqlite3.Connection, table: str, path: Path, column_types: dict[str, str], append: bool = False
) -> int:
    """Replace `table` with the rows of `path` (or add the rows it lacks); returns the rows loaded."""
    try:
        if append:
            return add_new_rows(connection, table, path, column_types)
        with open(path, newline="", encoding="utf-8") as stream:
            return fill(connection, table, csv.reader(stream), path, column_types)
    except UnicodeDecodeError as error:
        raise LoadError(f"{path}: not UTF-8 ({error.reason} at byte {error.start})") from None
    except csv.Error as error:
        raise LoadError(f"{path}: {error}") from None


@contextmanager
def immediate_transaction(connection: sqlite3.Connection) -> Iterator[None]:
    """One explicit transaction (Python's implicit ones leave DDL out): committed, or rolled back."""
    connection.execute("begin immediate")
    try:
        yield
        connection.execute("commit")
    except BaseException:
        connection.execute("rollback")
        raise


def insert_rows(
    connection: sqlite3.Connection,
    table: str,
    reader: Iterator[list[str]],  # a csv.reader (its line_num names the line of a bad row)
    path: Path,
    columns: int,
    lines_before: int = 0,  # where the reader started in the file
) -> int:
    # An empty cell is NULL (as in dbt seed); done by SQLite, not per row in Python.
    placeholders = ", ".join(["nullif(?, '')"] * columns)
    try:
        return connection.executemany(f"insert into {quoted(table)} values ({placeholders})", reader).rowcount
    except sqlite3.ProgrammingError as error:  # a row with more or fewer fields than the header
        raise LoadError(f"{path}: line {lines_before + reader.line_num}: {error}") from None


def fill(
    connection: sqlite3.Connection,
    table: str,
    reader: Iterator[list[str]],
    path: Path,
    column_types: dict[str, str],
) -> int:
    check_header(path, column_types)
    next(reader)  # the header, just checked
    loading = f"{table}__bulk_loading"
    columns = ", ".join(f"{quoted(name)} {column_type}" for name, column_type in column_types.items())
    with immediate_transaction(connection):  # create, fill and swap together
        connection.execute(f"drop table if exists {quoted(loading)}")
        connection.execute(f"create table {quoted(loading)} ({columns})")
        loaded = insert_rows(connection, loading, reader, path, len(column_types))
        connection.execute(f"drop table if exists {quoted(table)}")
        connection.execute(f"alter table {quoted(loading)} rename to {quoted(table)}")
    return loaded


def add_new_rows(connection: sqlite3.Connection, table: str, path: Path, column_types: dict[str, str]) -> int:
    """Insert the rows of `path` after the first N, where N is the rows `table` already has. The
    first N were checked when they were loaded; they are skipped unparsed (bulk_load.records)."""
    check_header(path, column_types)
    with immediate_transaction(connection):
        if not connection.execute("select 1 from sqlite_master where name = ?", (table,)).fetchone():
            raise LoadError(f"{path}: no table {table} to append to: load it without --append first")
        # The rows already loaded: this loader and dbt seed insert in file order and never delete,
        # so the largest rowid counts them, read from the b-tree's edge rather than a full count.
        (present,) = connection.execute(f"select coalesce(max(rowid), 0) from {quoted(table)}").fetchone()
        start = offset_after_records(path, present + 1)  # the header, then the rows loaded
        if start is None:
            raise LoadError(f"{path}: fewer rows than the {present:,} already in {table}")
        offset, lines_before = start
        with open(path, "rb") as raw:
            raw.seek(offset)
            reader = csv.reader(io.TextIOWrapper(raw, encoding="utf-8", newline=""))
            return insert_rows(connection, table, reader, path, len(column_types), lines_before)


def load(
    warehouse: Path, seeds_dir: Path, tables: dict[str, dict[str, str]], append: bool = False
) -> dict[str, int]:
    """Load every table in `tables` (name -> declared column types) from seeds_dir/<name>.csv."""
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(warehouse, isolation_level=None)
    try:
        connection.execute("pragma busy_timeout = 30000")
        return {
            name: load_table(connection, name, seeds_dir / f"{name}.csv", types, append)
            for name, types in tables.items()
        }
    except sqlite3.Error as error:
        raise LoadError(f"{warehouse}: {error}") from None
    finally:
        connection.close()
