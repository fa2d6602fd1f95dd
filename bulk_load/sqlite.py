"""Load seed CSVs into the SQLite warehouse's raw tables, as `dbt seed` would name and type them.

Each table is streamed from its CSV (csv.reader into one executemany, so memory does not grow with
the file) into a new table under a temporary name, then swapped in for the old one within the same
transaction: a reader sees the old table or the new one, never none, and a failed load leaves the
old table as it was. Values go in as text; the declared column types (seeds/_seeds.yml) give them
SQLite's affinity, as they do for `dbt seed`. An empty cell is NULL, as in `dbt seed`.

With append (after `python -m seeds_gen --append-day`), a table keeps its rows and gains the rows
of the file beyond the ones it already has, in one transaction.

A full load uses both cores of a small machine: a second process parses and inserts about half the
rows into a scratch SQLite file beside the warehouse while this one loads the other half;
SQLite then copies the second half in, table by table, each in the transaction that swaps it in.
Python's own lock keeps two threads from overlapping here (they would take turns), so it is a
process; the copy runs inside SQLite at many times the speed of the inserts.
"""

from __future__ import annotations

import csv
import io
import multiprocessing
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
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


def replace_table(
    connection: sqlite3.Connection, table: str, column_types: dict[str, str], insert: Callable[[str], int]
) -> int:
    """Create `table` afresh under a temporary name, fill it (`insert` is given that name and returns
    the rows it inserted) and swap it in for the old one, all in one transaction."""
    loading = f"{table}__bulk_loading"
    columns = ", ".join(f"{quoted(name)} {column_type}" for name, column_type in column_types.items())
    with immediate_transaction(connection):
        connection.execute(f"drop table if exists {quoted(loading)}")
        connection.execute(f"create table {quoted(loading)} ({columns})")
        loaded = insert(loading)
        connection.execute(f"drop table if exists {quoted(table)}")
        connection.execute(f"alter table {quoted(loading)} rename to {quoted(table)}")
    return loaded


def fill(
    connection: sqlite3.Connection,
    table: str,
    reader: Iterator[list[str]],
    path: Path,
    column_types: dict[str, str],
) -> int:
    check_header(path, column_types)
    next(reader)  # the header, just checked
    return replace_table(
        connection,
        table,
        column_types,
        lambda loading: insert_rows(connection, loading, reader, path, len(column_types)),
    )


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


def copy_table(
    connection: sqlite3.Connection, table: str, scratch_schema: str, column_types: dict[str, str]
) -> int:
    """Replace `table` with the same table of an attached scratch database."""
    source = f"{scratch_schema}.{quoted(table)}"
    return replace_table(
        connection,
        table,
        column_types,
        lambda loading: connection.execute(f"insert into {quoted(loading)} select * from {source}").rowcount,
    )


def estimated_rows(path: Path, sample_bytes: int = 1 << 20) -> float:
    """The file's size over the mean length of the lines in its first MiB: what loading it costs
    follows its rows, not its bytes (long JSON documents load faster per byte than short orders)."""
    with open(path, "rb") as stream:
        sample = stream.read(sample_bytes)
    return path.stat().st_size / max(len(sample), 1) * max(sample.count(b"\n"), 1)


def split_by_rows(seeds_dir: Path, tables: dict[str, dict[str, str]]) -> tuple[list[str], list[str]]:
    """Two lists of tables with about as many rows each, the table with the most rows in the first."""
    rows = {name: estimated_rows(seeds_dir / f"{name}.csv") for name in tables}
    halves: tuple[list[str], list[str]] = ([], [])
    totals = [0.0, 0.0]
    for name in sorted(tables, key=lambda name: -rows[name]):
        smaller = totals.index(min(totals))
        halves[smaller].append(name)
        totals[smaller] += rows[name]
    return halves


@contextmanager
def connected(warehouse: Path) -> Iterator[sqlite3.Connection]:
    """A connection whose transactions are explicit, waiting for another writer; a SQLite error
    becomes a LoadError naming the file."""
    connection = sqlite3.connect(warehouse, isolation_level=None)
    try:
        connection.execute("pragma busy_timeout = 30000")
        yield connection
    except sqlite3.Error as error:
        raise LoadError(f"{warehouse}: {error}") from None
    finally:
        connection.close()


def load_sequentially(
    warehouse: Path, seeds_dir: Path, tables: dict[str, dict[str, str]], append: bool = False
) -> dict[str, int]:
    """Load every table in `tables` (name -> declared column types) from seeds_dir/<name>.csv."""
    with connected(warehouse) as connection:
        return {
            name: load_table(connection, name, seeds_dir / f"{name}.csv", types, append)
            for name, types in tables.items()
        }


def load_in_two_processes(
    warehouse: Path, seeds_dir: Path, tables: dict[str, dict[str, str]]
) -> dict[str, int]:
    """Load half the rows here and half in a second process, into a scratch file that SQLite then
    copies in, table by table. The second process takes the largest table: one copy is cheaper
    than several."""
    there, here = split_by_rows(seeds_dir, tables)
    with (
        tempfile.TemporaryDirectory(dir=warehouse.parent, prefix=".bulk_load-") as scratch_dir,
        ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork")) as pool,
    ):
        scratch = Path(scratch_dir) / "scratch.db"
        theirs = pool.submit(load_sequentially, scratch, seeds_dir, {name: tables[name] for name in there})
        loaded = load_sequentially(warehouse, seeds_dir, {name: tables[name] for name in here})
        theirs.result()  # re-raises the second process's LoadError
        with connected(warehouse) as connection:
            connection.execute("attach database ? as scratch", (str(scratch),))
            loaded |= {name: copy_table(connection, name, "scratch", tables[name]) for name in there}
    return {name: loaded[name] for name in tables}  # in the declared order


def load(
    warehouse: Path, seeds_dir: Path, tables: dict[str, dict[str, str]], append: bool = False
) -> dict[str, int]:
    """Load every table in `tables` (name -> declared column types) from seeds_dir/<name>.csv."""
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    if append or len(tables) < 2:
        return load_sequentially(warehouse, seeds_dir, tables, append)
    return load_in_two_processes(warehouse, seeds_dir, tables)
