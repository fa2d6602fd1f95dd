"""The input contract: the raw tables, their columns and the optional inputs they form, read from
the `shop` source (models/staging/_shop__sources.yml), which dbt's tests and docs read too.

Per table, `config.meta.input` is its input (`required`, or an optional input: `products`,
`feedback`). Per column: `data_type` is the SQL type the loader creates, `config.meta.format` what a
CSV value must look like (integer, date, amount, text, json), `config.meta.required: false` that a
file may leave the column out (it is then NULL), and `config.meta.input` (only `demographics`) an
optional input made of columns rather than tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

SOURCES_YML = Path(__file__).resolve().parents[1] / "models" / "staging" / "_shop__sources.yml"
SOURCE = "shop"
REQUIRED = "required"
# The optional inputs in SEGMENTS_INPUTS' order (macros/inputs/inputs.sql), and what each needs.
OPTIONAL_INPUTS = ("demographics", "products", "feedback")
NEEDS = {"feedback": ("products",)}
FORMATS = ("integer", "date", "amount", "text", "json")


class ContractError(Exception):
    """The sources YAML is missing or does not describe the tables as this loader expects."""


@dataclass(frozen=True)
class Column:
    name: str
    data_type: str
    format: str
    required: bool = True
    input: str | None = None  # an optional input made of columns (demographics)


@dataclass(frozen=True)
class Table:
    name: str
    input: str
    columns: tuple[Column, ...]

    @property
    def column_types(self) -> dict[str, str]:
        return {column.name: column.data_type for column in self.columns}


def read_contract(sources_yml: Path = SOURCES_YML) -> dict[str, Table]:
    """The tables of the `shop` source, in the file's order."""
    try:
        document = yaml.safe_load(sources_yml.read_text(encoding="utf-8"))
    except OSError as error:
        raise ContractError(f"{sources_yml}: {error.strerror}") from None
    except yaml.YAMLError as error:
        raise ContractError(f"{sources_yml}: not YAML ({str(error).splitlines()[0]})") from None
    sources = [source for source in document.get("sources", []) if source.get("name") == SOURCE]
    if not sources:
        raise ContractError(f"{sources_yml}: no source named {SOURCE}")
    tables: dict[str, Table] = {}
    for table in sources[0].get("tables", []):
        columns = []
        for column in table.get("columns", []):
            meta = (column.get("config") or {}).get("meta") or {}
            where = f"{sources_yml}: {table['name']}.{column['name']}"
            if "data_type" not in column:
                raise ContractError(f"{where}: no data_type")
            if meta.get("format") not in FORMATS:
                raise ContractError(f"{where}: meta.format is {meta.get('format')!r}, not one of {FORMATS}")
            columns.append(
                Column(
                    name=column["name"],
                    data_type=str(column["data_type"]),
                    format=meta["format"],
                    required=meta.get("required", True) is not False,
                    input=meta.get("input"),
                )
            )
        meta = (table.get("config") or {}).get("meta") or {}
        tables[table["name"]] = Table(table["name"], str(meta.get("input", REQUIRED)), tuple(columns))
    return tables


def column_inputs(tables: dict[str, Table]) -> dict[str, list[tuple[str, str]]]:
    """The optional inputs made of columns: input -> [(table, column), ...]."""
    found: dict[str, list[tuple[str, str]]] = {}
    for table in tables.values():
        for column in table.columns:
            if column.input:
                found.setdefault(column.input, []).append((table.name, column.name))
    return found


def inputs_value(inputs: set[str]) -> str:
    """SEGMENTS_INPUTS for these optional inputs: a comma list in the usual order, or none."""
    return ",".join(name for name in OPTIONAL_INPUTS if name in inputs) or "none"
