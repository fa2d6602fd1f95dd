"""Load seed CSVs into PostgreSQL with COPY ... FROM STDIN (streamed, so memory does not grow
with the file), each table built under a temporary name and swapped in within one transaction.
Connects as the `postgres` target in profiles.yml does (SEGMENTS_PG_* variables). Runs in the
postgres extra's venv: `.venv-postgres/bin/python -m bulk_load --target postgres`."""

from __future__ import annotations

import os
from pathlib import Path

from bulk_load.files import LoadError, check_header, quoted


def connection_settings() -> dict[str, str]:
    return {
        "host": os.environ.get("SEGMENTS_PG_HOST", "127.0.0.1"),
        "port": os.environ.get("SEGMENTS_PG_PORT", "5432"),
        "user": os.environ.get("SEGMENTS_PG_USER", "postgres"),
        "password": os.environ.get("SEGMENTS_PG_PASSWORD", ""),
        "dbname": os.environ.get("SEGMENTS_PG_DATABASE", "postgres"),
    }


def load(schema: str, seeds_dir: Path, tables: dict[str, dict[str, str]]) -> dict[str, int]:
    import psycopg2  # only in the postgres venv

    loaded: dict[str, int] = {}
    try:
        connection = psycopg2.connect(**connection_settings())
    except psycopg2.Error as error:
        raise LoadError(f"cannot connect to PostgreSQL: {str(error).strip().splitlines()[0]}") from None
    try:
        for table, column_types in tables.items():
            path = seeds_dir / f"{table}.csv"
            check_header(path, column_types)
            target = f"{quoted(schema)}.{quoted(table)}"
            loading = f"{quoted(schema)}.{quoted(table + '__bulk_loading')}"
            columns = ", ".join(f"{quoted(name)} {kind}" for name, kind in column_types.items())
            with connection, connection.cursor() as cursor, open(path, encoding="utf-8") as stream:
                cursor.execute(f"create schema if not exists {quoted(schema)}")
                cursor.execute(f"drop table if exists {loading}")
                cursor.execute(f"create table {loading} ({columns})")
                # CSV format: an unquoted empty field is NULL, as in dbt seed.
                cursor.copy_expert(f"copy {loading} from stdin with (format csv, header true)", stream)
                loaded[table] = cursor.rowcount
                cursor.execute(f"drop table if exists {target} cascade")
                cursor.execute(f"alter table {loading} rename to {quoted(table)}")
    except psycopg2.Error as error:
        raise LoadError(f"{path}: {str(error).strip().splitlines()[0]}") from None
    finally:
        connection.close()
    return loaded
