"""The warehouse of a dbt target, as profiles.yml names it: where it is and how to connect, for the
loaders (segments.bulk_load) and for publishing (segments.publish), which reads the marts here.

The target is SEGMENTS_TARGET, as for dbt (profiles.yml: `target: env_var('SEGMENTS_TARGET',
'sqlite')`), unless a command line names one:

- sqlite: $SEGMENTS_WAREHOUSE_DIR/segments.db (default warehouse/), schema main;
- duckdb: $SEGMENTS_WAREHOUSE_DIR/segments.duckdb, schema main (the duckdb extra's venv);
- postgres: SEGMENTS_PG_HOST, _PORT, _USER, _PASSWORD, _DATABASE (loopback defaults), schema
  SEGMENTS_PG_SCHEMA, else segments (the postgres extra's venv);
- spark: $SEGMENTS_WAREHOUSE_DIR/spark-warehouse and spark-metastore, schema SEGMENTS_SPARK_SCHEMA,
  else segments: the session settings are read from profiles.yml here, the session itself is
  segments.bulk_load.spark's.

Warehouse reads the built marts of sqlite, duckdb or postgres, read-only, in the same form on each:
what SQLite stores as text or whole numbers (dates, booleans) comes back so from the other engines
too, so an export or report is the same whichever engine built the marts. The engines' drivers are
imported only when their target is used: each lives in its own venv.
"""

from __future__ import annotations

import datetime
import os
import re
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

TARGETS = ("sqlite", "duckdb", "postgres", "spark")
# The targets Warehouse reads (Spark's tables need a Spark session: not here).
READABLE = ("sqlite", "duckdb", "postgres")
FILES = {"sqlite": "segments.db", "duckdb": "segments.duckdb"}


class WarehouseError(Exception):
    """The warehouse is missing, cannot be reached, or has not been built."""


class QueryError(WarehouseError):
    """A query the warehouse refused (the engine's message)."""


def current_target() -> str:
    """SEGMENTS_TARGET, else sqlite: the target dbt builds (profiles.yml)."""
    return os.environ.get("SEGMENTS_TARGET") or "sqlite"


def warehouse_dir() -> Path:
    """Where the file-based warehouses live: SEGMENTS_WAREHOUSE_DIR, else warehouse/."""
    return Path(os.environ.get("SEGMENTS_WAREHOUSE_DIR", "warehouse"))


def database_file(target: str = "sqlite") -> Path:
    """The database file of the sqlite or duckdb target."""
    return warehouse_dir() / FILES[target]


def postgres_settings() -> dict[str, str]:
    """The postgres target's connection, as profiles.yml reads it."""
    return {
        "host": os.environ.get("SEGMENTS_PG_HOST", "127.0.0.1"),
        "port": os.environ.get("SEGMENTS_PG_PORT", "5432"),
        "user": os.environ.get("SEGMENTS_PG_USER", "postgres"),
        "password": os.environ.get("SEGMENTS_PG_PASSWORD", ""),
        "dbname": os.environ.get("SEGMENTS_PG_DATABASE", "postgres"),
    }


def postgres_schema() -> str:
    return os.environ.get("SEGMENTS_PG_SCHEMA", "segments")


def spark_schema() -> str:
    return os.environ.get("SEGMENTS_SPARK_SCHEMA", "segments")


def profiles_file() -> Path:
    """The profiles.yml dbt reads: in DBT_PROFILES_DIR, else in the current directory, else in
    ~/.dbt (dbt's own order)."""
    for directory in (os.environ.get("DBT_PROFILES_DIR"), ".", str(Path.home() / ".dbt")):
        if directory and (Path(directory) / "profiles.yml").is_file():
            return Path(directory) / "profiles.yml"
    raise WarehouseError("no profiles.yml in DBT_PROFILES_DIR, the current directory or ~/.dbt")


# `{{ env_var('NAME', 'default') }}`, the only Jinja the spark target's settings use.
ENV_VAR = re.compile(r"\{\{\s*env_var\(\s*'([^']+)'\s*(?:,\s*'([^']*)'\s*)?\)\s*\}\}")


def spark_settings(directory: str) -> dict[str, str]:
    """The `spark` target's server_side_parameters in profiles.yml, with `directory` as the
    warehouse directory, so that a session started here sees the warehouse and metastore dbt does."""
    import yaml

    def rendered(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        return directory if name == "SEGMENTS_WAREHOUSE_DIR" else os.environ.get(name, default or "")

    path = profiles_file()
    try:
        parameters = yaml.safe_load(path.read_text(encoding="utf-8"))["segments"]["outputs"]["spark"][
            "server_side_parameters"
        ]
    except yaml.YAMLError as error:
        raise WarehouseError(f"{path}: not valid YAML ({error.__class__.__name__})") from None
    except (KeyError, TypeError) as missing:
        raise WarehouseError(f"{path}: the spark target has no server_side_parameters") from missing
    return {str(key): ENV_VAR.sub(rendered, str(value)) for key, value in parameters.items()}


def quoted(name: str) -> str:
    """An identifier in double quotes (SQLite, DuckDB and PostgreSQL alike)."""
    return '"' + name.replace('"', '""') + '"'


def connect_sqlite(path: Path, read_only: bool = False, **options: Any) -> sqlite3.Connection:
    if read_only:
        return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, **options)
    return sqlite3.connect(path, **options)


def connect_duckdb(path: Path, read_only: bool = False) -> Any:
    import duckdb  # only in the duckdb venv

    return duckdb.connect(str(path), read_only=read_only)


def connect_postgres(schema: str | None = None, read_only: bool = False) -> Any:
    """A psycopg2 connection; with a schema, that schema first on the search path (a read-only
    connection commits each statement: one failed query does not spoil the next)."""
    import psycopg2  # only in the postgres venv

    connection = psycopg2.connect(**postgres_settings())
    if read_only:
        connection.set_session(readonly=True, autocommit=True)
    if schema is not None:
        with connection.cursor() as cursor:
            cursor.execute(f"set search_path to {quoted(schema)}")
    return connection


class Row:
    """A result row by position or by column name, as sqlite3.Row."""

    __slots__ = ("_index", "_values")

    def __init__(self, index: dict[str, int], values: Sequence[Any]) -> None:
        self._index, self._values = index, tuple(values)

    def __getitem__(self, key: int | str) -> Any:
        return self._values[self._index[key] if isinstance(key, str) else key]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def keys(self) -> list[str]:
        return list(self._index)


def as_sqlite_stores(value: Any) -> Any:
    """A value as SQLite gives it back: dates and times as ISO text, booleans as 0 or 1."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


class Warehouse:
    """Read-only access to the built warehouse of a target (sqlite, duckdb or postgres).

    `path`: the sqlite or duckdb database file (default: the target's, database_file());
    `schema`: postgres's (default: postgres_schema()). `where` names it in messages."""

    def __init__(self, path: Path | None = None, target: str = "sqlite", schema: str | None = None) -> None:
        if target not in READABLE:
            raise WarehouseError(
                f"the {target} target cannot be read here: publishing reads {', '.join(READABLE)}"
            )
        self.target = target
        self.path = path if path is not None or target == "postgres" else database_file(target)
        if target == "postgres":
            settings = postgres_settings()
            self.schema = schema or postgres_schema()
            self.where = f"PostgreSQL schema {self.schema} ({settings['host']}:{settings['port']})"
        else:
            self.schema = "main"
            self.where = str(self.path)
            if not self.path.is_file():
                raise WarehouseError(f"no warehouse at {self.path}: run `make build` (or `dbt build`) first")
        try:
            self.connection = self._connect()
        except ImportError as error:
            raise WarehouseError(
                f"the {target} target needs its venv (.venv-{target}: {error.name} is not installed)"
            ) from None

    def _connect(self) -> Any:
        if self.target == "sqlite":
            # Read-only: publishing never changes the warehouse.
            return connect_sqlite(self.path, read_only=True)
        if self.target == "duckdb":
            import duckdb

            try:
                return connect_duckdb(self.path, read_only=True)
            except duckdb.Error as error:
                raise WarehouseError(
                    f"cannot read the warehouse at {self.path}: {first_line(error)}"
                ) from None
        import psycopg2

        try:
            return connect_postgres(self.schema, read_only=True)
        except psycopg2.Error as error:
            raise WarehouseError(f"cannot connect to {self.where}: {first_line(error)}") from None

    def _errors(self) -> tuple[type[BaseException], ...]:
        if self.target == "sqlite":
            return (sqlite3.Error,)
        if self.target == "duckdb":
            import duckdb

            return (duckdb.Error,)
        import psycopg2

        return (psycopg2.Error,)

    def _execute(self, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        """The column names and rows of `sql` (QueryError for the engine's error)."""
        try:
            cursor = self.connection.cursor()
            try:
                cursor.execute(sql)
                names = [column[0] for column in cursor.description or ()]
                return names, cursor.fetchall()
            finally:
                cursor.close()
        except self._errors() as error:
            raise QueryError(first_line(error)) from None

    def read(self, sql: str) -> pd.DataFrame:
        """The rows of `sql` as a DataFrame, built as pandas builds SQLite's (read_sql_query)."""
        if self.target == "sqlite":
            try:
                return pd.read_sql_query(sql, self.connection)
            except (sqlite3.Error, pd.errors.DatabaseError) as error:
                raise WarehouseError(f"{error} (is the warehouse built with every model?)") from None
        try:
            names, rows = self._execute(sql)
        except QueryError as error:
            raise WarehouseError(f"{error} (is the warehouse built with every model?)") from None
        records = [tuple(as_sqlite_stores(value) for value in row) for row in rows]
        return pd.DataFrame.from_records(records, columns=names, coerce_float=True)

    def rows(self, sql: str) -> list[Row] | list[sqlite3.Row]:
        """The rows of `sql`, by position or column name; a QueryError when the engine refuses it
        (the caller says what it means)."""
        if self.target == "sqlite":
            cursor = self.connection.cursor()
            cursor.row_factory = sqlite3.Row
            try:
                return cursor.execute(sql).fetchall()
            except sqlite3.Error as error:
                raise QueryError(str(error)) from None
        names, rows = self._execute(sql)
        index = {name: position for position, name in enumerate(names)}
        return [Row(index, [as_sqlite_stores(value) for value in row]) for row in rows]

    def tables(self) -> set[str]:
        """The names of the tables in the warehouse's schema (an unreadable one is a WarehouseError)."""
        if self.target == "sqlite":
            sql = "select name from sqlite_master where type = 'table'"
        else:
            sql = (
                "select table_name from information_schema.tables where table_type = 'BASE TABLE'"
                " and table_schema = current_schema() and table_catalog = current_database()"
            )
        try:
            return {row[0] for row in self.rows(sql)}
        except QueryError as error:
            raise WarehouseError(f"cannot read the warehouse at {self.where}: {error}") from None

    def row_order(self) -> str:
        """A column list that orders a table's rows as inserted after its other order columns: SQLite's
        and DuckDB's rowid; PostgreSQL has none (its rows stay in the order by's)."""
        return "" if self.target == "postgres" else ", rowid"

    def close(self) -> None:
        self.connection.close()


def first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
