"""Load CSVs into the SQLite warehouse's raw tables, as `dbt seed` would name and type them.

Each table is streamed from its CSV (csv.reader into one executemany, so memory does not grow with
the file) into a new table under a temporary name. The whole load is one transaction: every table
is filled and checked, then swapped in for the old one, and the tables of the optional inputs this
load leaves out are dropped, before the commit. A reader sees the old tables or the new ones, never
a mix, and a failed load leaves every table as it was. Values go in as text, as written; the
declared column types (the sources' data_type) give them SQLite's affinity, as they do for `dbt
seed`. An empty cell is NULL, as in `dbt seed`.

The header maps each CSV column onto its table's column (segments.bulk_load.files): the INSERT names the
table's columns in the file's order and takes each from its parameter, so columns the contract
does not know are bound and never read, and absent optional columns are NULL. Every value is
checked against its column's format inside SQLite, in the INSERT itself (segments.bulk_load.checks: GLOB
patterns, date round trips, json_valid; a cheap check first for the usual forms), so no second
pass over the table is needed. A bad value calls a Python function, the only Python per value and
only for that one: it keeps the column and value and stops the insert. The rows already in tell
which record it was, and only then is the file read again up to that record for its line.

With append (after `python -m seeds_gen --append-day`), a table keeps its rows and gains the rows
of the file beyond the ones it already has, all tables in one transaction.

A full load uses both cores of a small machine: a second process parses, inserts and checks about
half the rows into a scratch SQLite file beside the warehouse while this one loads the other half;
SQLite then copies the second half in, within the load's transaction. Python's own lock keeps two
threads from overlapping here (they would take turns), so it is a process; the copy runs inside
SQLite at many times the speed of the inserts. A failed or stopped load (SIGINT, SIGTERM, SIGHUP:
segments.atomic_files.signals) rolls back, ends the second process and removes the scratch folder.
"""

from __future__ import annotations

import csv
import multiprocessing
import re
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, TypeVar

from segments.atomic_files.signals import in_forked_process, start_forked
from segments.bulk_load.checks import checked_value, complaint
from segments.bulk_load.files import LoadError, Plan, TableFile, quoted, record_line, shown, text_stream
from segments.bulk_load.records import offset_after_records
from segments.warehouse import connect_sqlite

Result = TypeVar("Result")


def loading_name(table: str) -> str:
    return f"{table}__bulk_loading"


def in_main(table: str) -> str:
    """A table of the connection's own database. Every statement names its schema: an unqualified
    name would have SQLite read every attached database's schema within the transaction, and so
    hold a lock on the scratch file that the second process is writing."""
    return f"main.{quoted(table)}"


def create_table(connection: sqlite3.Connection, name: str, file: TableFile) -> None:
    columns = ", ".join(f"{quoted(column)} {kind}" for column, kind in file.table.column_types.items())
    connection.execute(f"drop table if exists {in_main(name)}")
    connection.execute(f"create table {in_main(name)} ({columns})")


def insert_statement(table: str, file: TableFile) -> str:
    """An INSERT of one CSV record (all its fields as parameters ?1..?N) into `table`: each of the
    table's columns the file has, from its field, checked against its format; a bad value calls
    the function bulk_load_bad (BadValue), which stops the insert."""
    formats = {column.name: column.format for column in file.table.columns}
    present = file.present
    names = [quoted(name) for name in present]
    values = [
        checked_value(
            formats[name],
            f"?{file.positions[name] + 1}",
            f"bulk_load_bad(?{file.positions[name] + 1}, '{name}')",
        )
        for name in present
    ]
    # executemany binds a record's N fields only if the statement uses ?N: when the last field is
    # a column the contract does not know, it goes into the rowid as NULL (nullif(x, x) is NULL),
    # which numbers the row as usual.
    if max(file.positions.values()) + 1 < file.width:
        names.insert(0, "rowid")
        values.insert(0, f"nullif(?{file.width}, ?{file.width})")
    return f"insert into {in_main(table)} ({', '.join(names)}) values ({', '.join(values)})"


class BadValue:
    """The SQL function bulk_load_bad(value, column): the first value that does not have its
    column's format, kept for the error message, and an exception that stops the insert there."""

    def __init__(self) -> None:
        self.found: tuple[str, str] | None = None

    def __call__(self, value: str, column: str) -> None:
        self.found = (column, value)
        raise ValueError(f"column {column}: bad value")


def insert_rows(
    connection: sqlite3.Connection,
    table: str,
    file: TableFile,
    offset: int = 0,  # where the rows start in the file (0: at the header, which is skipped)
    lines_before: int = 0,  # the lines before offset
) -> int:
    """Insert the file's records from `offset` into `table`, each value checked against its
    column's format; returns the rows inserted."""
    bad = BadValue()
    connection.create_function("bulk_load_bad", 2, bad)
    (rows_before,) = connection.execute(f"select coalesce(max(rowid), 0) from {in_main(table)}").fetchone()
    try:
        with text_stream(file.path, offset) as stream:
            reader = csv.reader(stream)
            if offset == 0:
                next(reader)  # the header, mapped already
            # filter(None, ...) leaves out blank lines (csv.reader gives them as empty records).
            return connection.executemany(insert_statement(table, file), filter(None, reader)).rowcount
    except UnicodeDecodeError as error:
        where = f"at byte {error.start}" if offset == 0 else f"after byte {offset}"
        raise LoadError(f"{file.path}: not UTF-8 ({error.reason} {where})") from None
    except csv.Error as error:
        raise LoadError(f"{file.path}: line {lines_before + reader.line_num}: {error}") from None
    except sqlite3.ProgrammingError as error:  # a row with more or fewer fields than the header
        fields = re.search(r"there are (\d+) supplied", str(error))
        count = f"{fields.group(1)} fields" if fields else "a different number of fields"
        raise LoadError(
            f"{file.path}: line {lines_before + reader.line_num}: {count}, the header has {file.width}"
        ) from None
    except sqlite3.OperationalError:
        if bad.found is None:
            raise
        # The records before the bad one are in (each record is a statement of its own).
        (rows,) = connection.execute(f"select coalesce(max(rowid), 0) from {in_main(table)}").fetchone()
        column, value = bad.found
        line = record_line(file.path, rows - rows_before + 1, offset) + lines_before
        column_format = next(item.format for item in file.table.columns if item.name == column)
        expected = complaint(column_format, value)
        raise LoadError(
            f"{file.path}: line {line}, column {column}: {shown(value)} is not {expected}"
        ) from None


def fill(connection: sqlite3.Connection, table: str, file: TableFile) -> int:
    """Create `table` with the file's table's columns and insert its rows, checked."""
    create_table(connection, table, file)
    return insert_rows(connection, table, file)


@contextmanager
def transaction(connection: sqlite3.Connection, begin: str = "begin immediate") -> Iterator[None]:
    """One explicit transaction (Python's implicit ones leave DDL out): committed, or rolled back."""
    connection.execute(begin)
    try:
        yield
        connection.execute("commit")
    except BaseException:
        connection.execute("rollback")
        raise


@contextmanager
def connected(warehouse: Path) -> Iterator[sqlite3.Connection]:
    """A connection whose transactions are explicit, waiting for another writer; a SQLite error
    becomes a LoadError naming the file."""
    try:
        connection = connect_sqlite(warehouse, isolation_level=None)
    except sqlite3.Error as error:
        raise LoadError(f"{warehouse}: {error}") from None
    try:
        connection.execute("pragma busy_timeout = 30000")
        yield connection
    except sqlite3.Error as error:
        raise LoadError(f"{warehouse}: {error}") from None
    finally:
        connection.close()


def swap_in(connection: sqlite3.Connection, plan: Plan) -> None:
    """Within the load's transaction: every loading table takes its table's name, and the tables
    of the inputs left out go (with any loading table a killed load left of them)."""
    for file in plan.files:
        connection.execute(f"drop table if exists {in_main(file.name)}")
        connection.execute(f"alter table {in_main(loading_name(file.name))} rename to {quoted(file.name)}")
    for name in plan.drop:
        connection.execute(f"drop table if exists {in_main(name)}")
        connection.execute(f"drop table if exists {in_main(loading_name(name))}")


def fill_scratch(scratch: Path, files: list[TableFile]) -> dict[str, int]:
    """In the second process: each table into the scratch file, under its own name."""
    with connected(scratch) as connection, transaction(connection):
        return {file.name: fill(connection, file.name, file) for file in files}


def load_sequentially(warehouse: Path, plan: Plan) -> dict[str, int]:
    with connected(warehouse) as connection, transaction(connection):
        loaded = {file.name: fill(connection, loading_name(file.name), file) for file in plan.files}
        swap_in(connection, plan)
    return loaded


def _reply(sending: Connection, function: Callable[..., Any], args: tuple[Any, ...]) -> None:
    """The second process: the function's result, or the exception it raised, back to the first."""
    in_forked_process()
    try:
        reply = (True, function(*args))
    except BaseException as error:
        reply = (False, error)
    sending.send(reply)


@contextmanager
def in_second_process(function: Callable[..., Result], *args: Any) -> Iterator[Callable[[], Result]]:
    """``function(*args)`` in a forked process; the block gets a function that waits for its result
    (raising what it raised). Leaving the block ends the process, finished or not: a failed or
    stopped load does not wait minutes for a half it will not use. (A ProcessPoolExecutor would.)"""
    context = multiprocessing.get_context("fork")
    receiving, sending = context.Pipe(duplex=False)
    process = context.Process(target=_reply, args=(sending, function, args))
    start_forked(process)
    sending.close()  # only the second process holds it now: its death is the end of the pipe here

    def result() -> Result:
        try:
            succeeded, value = receiving.recv()
        except EOFError:
            process.join()
            raise LoadError(f"the second process died (exit code {process.exitcode})") from None
        if not succeeded:
            raise value
        return value

    try:
        yield result
    finally:
        if process.is_alive():
            process.terminate()
        process.join()
        receiving.close()


def load_in_two_processes(warehouse: Path, plan: Plan) -> dict[str, int]:
    """Load half the rows here and half in a second process, into a scratch file that SQLite then
    copies in. The second process takes the largest table: one copy is cheaper than several."""
    there, here = split_by_rows(plan.files)
    with tempfile.TemporaryDirectory(dir=warehouse.parent, prefix=".bulk_load-") as scratch_dir:
        scratch = Path(scratch_dir) / "scratch.db"
        with in_second_process(fill_scratch, scratch, there) as theirs, connected(warehouse) as connection:
            connection.execute("attach database ? as scratch", (str(scratch),))
            # Deferred, not immediate: an immediate transaction would also lock the attached
            # scratch file, which the second process is writing. Its first statement writes to the
            # warehouse, so the warehouse is locked from the start all the same.
            with transaction(connection, "begin"):
                loaded = {file.name: fill(connection, loading_name(file.name), file) for file in here}
                loaded |= theirs()  # re-raises the second process's LoadError
                for file in there:
                    create_table(connection, loading_name(file.name), file)
                    copied, loading = f"scratch.{quoted(file.name)}", in_main(loading_name(file.name))
                    connection.execute(f"insert into {loading} select * from {copied}")
                swap_in(connection, plan)
            connection.execute("detach database scratch")
    return {file.name: loaded[file.name] for file in plan.files}  # in the contract's order


def append(warehouse: Path, plan: Plan) -> dict[str, int]:
    """Insert the rows of each file after the first N, where N is the rows its table already has,
    all tables in one transaction. The first N were checked when they were loaded; they are
    skipped unparsed (segments.bulk_load.records)."""
    loaded: dict[str, int] = {}
    with connected(warehouse) as connection, transaction(connection):
        for file in plan.files:
            table, path = file.name, file.path
            if not connection.execute("select 1 from main.sqlite_master where name = ?", (table,)).fetchone():
                raise LoadError(f"{path}: no table {table} to append to: load it without --append first")
            # The rows already loaded: this loader and dbt seed insert in file order and never
            # delete, so the largest rowid counts them, read from the b-tree's edge.
            (present,) = connection.execute(
                f"select coalesce(max(rowid), 0) from {in_main(table)}"
            ).fetchone()
            start = offset_after_records(path, present + 1)  # the header, then the rows loaded
            if start is None:
                raise LoadError(f"{path}: fewer rows than the {present:,} already in {table}")
            offset, lines_before = start
            loaded[table] = insert_rows(connection, table, file, offset, lines_before)
    return loaded


def estimated_rows(path: Path, sample_bytes: int = 1 << 20) -> float:
    """The file's size over the mean length of the lines in its first MiB: what loading it costs
    follows its rows, not its bytes (long JSON documents load faster per byte than short orders)."""
    with open(path, "rb") as stream:
        sample = stream.read(sample_bytes)
    return path.stat().st_size / max(len(sample), 1) * max(sample.count(b"\n"), 1)


def split_by_rows(files: list[TableFile]) -> tuple[list[TableFile], list[TableFile]]:
    """Two lists of files with about as many rows each, the file with the most rows in the first."""
    rows = {file.name: estimated_rows(file.path) for file in files}
    halves: tuple[list[TableFile], list[TableFile]] = ([], [])
    totals = [0.0, 0.0]
    for file in sorted(files, key=lambda file: -rows[file.name]):
        smaller = totals.index(min(totals))
        halves[smaller].append(file)
        totals[smaller] += rows[file.name]
    return halves


def load(warehouse: Path, plan: Plan, append_rows: bool = False) -> dict[str, int]:
    """Load the plan's files into their tables (or append their new rows), in one transaction."""
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    if append_rows:
        return append(warehouse, plan)
    if len(plan.files) < 2:
        return load_sequentially(warehouse, plan)
    return load_in_two_processes(warehouse, plan)
