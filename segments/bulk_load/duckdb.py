"""Load CSVs into a DuckDB warehouse with DuckDB's own CSV reader (read_csv), every table built
under a temporary name and swapped in, and the tables of the inputs left out dropped, within one
transaction: a bad file, or a stop (segments.atomic_files.signals), leaves every table as it was, with
--append too (its new rows of every table go in together). Runs in the duckdb extra's venv:
`.venv-duckdb/bin/python -m segments.bulk_load --target duckdb`.

The fields are read by position (the header, mapped by segments.bulk_load.files, is skipped), as text,
and each is cast to its column's declared type by the insert: a value the type cannot hold (text
in an integer column, a currency in an amount) stops the load. The finer format checks of the
SQLite loader (segments.bulk_load.checks) are not made here.
"""

from __future__ import annotations

import re
from pathlib import Path

from segments.atomic_files.signals import Stopped
from segments.bulk_load.files import LoadError, Plan, TableFile, quoted, record_line, shown
from segments.warehouse import connect_duckdb


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def reader(file: TableFile) -> str:
    """The file's records with its fields named c0, c1, ... (every field text; an empty field is
    NULL; a row with too few or too many fields is an error)."""
    names = ", ".join(literal(f"c{index}") for index in range(file.width))
    return (
        f"read_csv({literal(str(file.path))}, header = true, names = [{names}], all_varchar = true,"
        """ delim = ',', quote = '"', escape = '"', strict_mode = true)"""
    )


def one_line(error: str, file: TableFile | None) -> str:
    """DuckDB's error in one line: for a value its column's type cannot hold, the line, column and
    value (DuckDB reads the file's fields as c0, c1, ...), else the error's first line."""
    record = re.search(r"CSV Error on Line: (\d+)", error)  # the header and records, not lines
    value = re.search(r'converting column "c(\d+)"\. Could not convert string "(.*)" to \'?(\w+)', error)
    if file is None or not record or not value:
        return error.splitlines()[0]
    columns = {position: name for name, position in file.positions.items()}
    column = columns.get(int(value.group(1)), f"c{value.group(1)}")
    line = record_line(file.path, int(record.group(1)) - 1)
    return f"line {line}, column {column}: {shown(value.group(2))} is not a valid {value.group(3).lower()}"


def selected(file: TableFile) -> tuple[str, str]:
    """The declared columns the file has, and the fields that fill them."""
    present = file.present
    columns = ", ".join(quoted(name) for name in present)
    fields = ", ".join(quoted(f"c{file.positions[name]}") for name in present)
    return columns, fields


def append_rows(connection: object, file: TableFile) -> int:
    """Insert the file's rows beyond the ones the table already has (read_csv keeps file order)."""
    table = quoted(file.name)
    columns, fields = selected(file)
    (present,) = connection.execute(f"select count(*) from {table}").fetchone()
    connection.execute(
        f"insert into {table} ({columns}) select {fields} from {reader(file)} offset {present}"
    )
    (now,) = connection.execute(f"select count(*) from {table}").fetchone()
    return now - present


def load(warehouse: Path, plan: Plan, append: bool = False) -> dict[str, int]:
    import duckdb  # only in the duckdb venv

    warehouse.parent.mkdir(parents=True, exist_ok=True)
    try:
        connection = connect_duckdb(warehouse)
    except duckdb.Error as error:  # not a DuckDB file, locked by another process, unreadable
        raise LoadError(f"{warehouse}: {one_line(str(error), None)}") from None
    loaded: dict[str, int] = {}
    path, current = warehouse, None
    try:
        connection.execute("begin transaction")
        try:
            for file in plan.files:
                path, current = file.path, file
                if append:
                    loaded[file.name] = append_rows(connection, file)
                    continue
                loading = quoted(f"{file.name}__bulk_loading")
                declared = ", ".join(
                    f"{quoted(name)} {kind}" for name, kind in file.table.column_types.items()
                )
                columns, fields = selected(file)
                connection.execute(f"create or replace table {loading} ({declared})")
                connection.execute(f"insert into {loading} ({columns}) select {fields} from {reader(file)}")
                loaded[file.name] = connection.execute(f"select count(*) from {loading}").fetchone()[0]
            path, current = warehouse, None
            if not append:
                for file in plan.files:
                    connection.execute(f"drop table if exists {quoted(file.name)}")
                    connection.execute(
                        f"alter table {quoted(file.name + '__bulk_loading')} rename to {quoted(file.name)}"
                    )
                for name in plan.drop:
                    connection.execute(f"drop table if exists {quoted(name)}")
            connection.execute("commit")
        except BaseException as error:
            connection.execute("rollback")
            # DuckDB runs the signal handlers while a query runs, and turns the Stopped they raise
            # into a RuntimeError, "Query interrupted": the stop is what happened.
            if isinstance(error.__cause__, Stopped):
                raise error.__cause__ from None
            raise
    except duckdb.Error as error:
        raise LoadError(f"{path}: {one_line(str(error), current)}") from None
    finally:
        connection.close()
    return loaded
