"""Read-only access to the built warehouse."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pandas as pd


class WarehouseError(Exception):
    """The warehouse file is missing or has not been built."""


def default_warehouse() -> Path:
    """warehouse/segments.db, or the directory in SEGMENTS_WAREHOUSE_DIR (as profiles.yml reads it)."""
    return Path(os.environ.get("SEGMENTS_WAREHOUSE_DIR", "warehouse")) / "segments.db"


class Warehouse:
    def __init__(self, path: Path) -> None:
        if not path.is_file():
            raise WarehouseError(f"no warehouse at {path}: run `make build` (or `dbt build`) first")
        self.path = path
        # Read-only: publishing never changes the warehouse.
        self.connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)

    def read(self, sql: str) -> pd.DataFrame:
        try:
            return pd.read_sql_query(sql, self.connection)
        except (sqlite3.Error, pd.errors.DatabaseError) as error:
            raise WarehouseError(f"{error} (is the warehouse built with every model?)") from None

    def rows(self, sql: str) -> list[sqlite3.Row]:
        """The rows of `sql`, by column name; sqlite3.Error as it is (the caller says what it means)."""
        cursor = self.connection.cursor()
        cursor.row_factory = sqlite3.Row
        return cursor.execute(sql).fetchall()

    def tables(self) -> set[str]:
        """The names of the tables in the warehouse (an unreadable file is a WarehouseError)."""
        try:
            return {row["name"] for row in self.rows("select name from sqlite_master where type = 'table'")}
        except sqlite3.Error as error:
            raise WarehouseError(f"cannot read the warehouse at {self.path}: {error}") from None

    def close(self) -> None:
        self.connection.close()
