"""Load CSVs into PostgreSQL with COPY ... FROM STDIN (streamed, so memory does not grow with the
file), each table built under a temporary name and swapped in, all within one transaction: a bad
file, or a stop (segments.atomic_files.signals), leaves every table (and the schema) as it was.
Connects as the `postgres` target in profiles.yml does (SEGMENTS_PG_* variables, through
segments.warehouse). Runs in the postgres extra's venv:
`.venv-postgres/bin/python -m segments.bulk_load --target postgres`."""

from __future__ import annotations

from segments.bulk_load.files import LoadError, Plan, quoted
from segments.warehouse import connect_postgres


def load(schema: str, plan: Plan) -> dict[str, int]:
    """Every table COPY'd as text into a temporary table of the file's fields (c0, c1, ...), then
    inserted by name into a new table of the declared types (an empty field is NULL; a value the
    type cannot hold stops the load), all swapped in, and the tables of the inputs left out
    dropped, in one transaction."""
    import psycopg2  # only in the postgres venv

    loaded: dict[str, int] = {}
    try:
        connection = connect_postgres()
    except psycopg2.Error as error:
        raise LoadError(f"cannot connect to PostgreSQL: {str(error).strip().splitlines()[0]}") from None
    where = f"PostgreSQL schema {schema}"
    try:
        with connection, connection.cursor() as cursor:
            cursor.execute(f"create schema if not exists {quoted(schema)}")
            for file in plan.files:
                where = str(file.path)
                loading = f"{quoted(schema)}.{quoted(file.name + '__bulk_loading')}"
                raw = quoted(file.name + "__bulk_raw")
                fields = ", ".join(f"{quoted(f'c{index}')} text" for index in range(file.width))
                declared = ", ".join(
                    f"{quoted(name)} {kind}" for name, kind in file.table.column_types.items()
                )
                kinds = file.table.column_types
                present = file.present
                columns = ", ".join(quoted(name) for name in present)
                values = ", ".join(
                    f"cast(nullif({quoted(f'c{file.positions[name]}')}, '') as {kinds[name]})"
                    for name in present
                )
                cursor.execute(f"create temporary table {raw} ({fields}) on commit drop")
                # utf-8-sig reads past a byte order mark; COPY skips the header, mapped already.
                with open(file.path, encoding="utf-8-sig", newline="") as stream:
                    cursor.copy_expert(f"copy {raw} from stdin with (format csv, header true)", stream)
                cursor.execute(f"drop table if exists {loading}")
                cursor.execute(f"create table {loading} ({declared})")
                cursor.execute(f"insert into {loading} ({columns}) select {values} from {raw}")
                loaded[file.name] = cursor.rowcount
            where = f"PostgreSQL schema {schema}"
            for file in plan.files:
                cursor.execute(f"drop table if exists {quoted(schema)}.{quoted(file.name)} cascade")
                loading = f"{quoted(schema)}.{quoted(file.name + '__bulk_loading')}"
                cursor.execute(f"alter table {loading} rename to {quoted(file.name)}")
            for name in plan.drop:
                cursor.execute(f"drop table if exists {quoted(schema)}.{quoted(name)} cascade")
    except psycopg2.Error as error:
        raise LoadError(f"{where}: {str(error).strip().splitlines()[0]}") from None
    except UnicodeDecodeError as error:
        raise LoadError(f"{where}: not UTF-8 ({error.reason})") from None
    finally:
        connection.close()
    return loaded
