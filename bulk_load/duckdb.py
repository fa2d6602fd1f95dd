"""Load seed CSVs into a DuckDB warehouse with DuckDB's own CSV reader (read_csv), each table
built under a temporary name and swapped in within one transaction. Runs in the duckdb extra's
venv: `.venv-duckdb/bin/python -m bulk_load --target duckdb`."""

from __future__ import annotations

from pathlib import Path

from bulk_load.files import LoadError, check_header, quoted


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def append_rows(connection: object, table: str, reader: str) -> int:
    """Insert the file's rows beyond the ones the table already has (read_csv keeps file order)."""
    connection.execute("begin transaction")
    try:
        (present,) = connection.execute(f"select count(*) from {quoted(table)}").fetchone()
        connection.execute(f"insert into {quoted(table)} select * from {reader} offset {present}")
        (now,) = connection.execute(f"select count(*) from {quoted(table)}").fetchone()
        connection.execute("commit")
    except BaseException:
        connection.execute("rollback")
        raise
    return now - present


def load(
    warehouse: Path, seeds_dir: Path, tables: dict[str, dict[str, str]], append: bool = False
) -> dict[str, int]:
    import duckdb  # only in the duckdb venv

    warehouse.parent.mkdir(parents=True, exist_ok=True)
    connection = duckdb.connect(str(warehouse))
    loaded: dict[str, int] = {}
    try:
        for table, column_types in tables.items():
            path = seeds_dir / f"{table}.csv"
            check_header(path, column_types)
            loading = quoted(f"{table}__bulk_loading")
            columns = ", ".join(f"{quoted(name)} {kind}" for name, kind in column_types.items())
            # Every field read as text and cast by the insert to the declared type; an empty
            # field is NULL; a row with too few or too many fields is an error.
            reader = f"read_csv({literal(str(path))}, header = true, all_varchar = true, strict_mode = true)"
            if append:
                loaded[table] = append_rows(connection, table, reader)
                continue
            connection.execute("begin transaction")
            try:
                connection.execute(f"create or replace table {loading} ({columns})")
                connection.execute(f"insert into {loading} select * from {reader}")
                loaded[table] = connection.execute(f"select count(*) from {loading}").fetchone()[0]
                connection.execute(f"drop table if exists {quoted(table)}")
                connection.execute(f"alter table {loading} rename to {quoted(table)}")
                connection.execute("commit")
            except BaseException:
                connection.execute("rollback")
                raise
    except duckdb.Error as error:
        raise LoadError(f"{warehouse}: {str(error).splitlines()[0]}") from None
    finally:
        connection.close()
    return loaded
