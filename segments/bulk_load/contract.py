"""The input contract: the raw tables, their columns and the optional inputs they form, read from
the `shop` source (models/staging/_shop__sources.yml), which dbt's tests and docs read too.

Per table, `config.meta.input` is its input (`required`, or an optional input: `products`,
`feedback`). Per column: `data_type` is the SQL type the loader creates, `config.meta.format` what a
CSV value must look like (integer, date, amount, text, json), `config.meta.required: false` that a
file may leave the column out (it is then NULL), and `config.meta.input` (only `demographics`) an
optional input made of columns rather than tables. The data_type also bounds the values: an amount
of decimal(12, 2) has at most two decimals and is below 10^10, a text of varchar(n) has at most n
characters; and a json column's `config.meta.json_fields` gives the format of each field of its
documents (integer, number, date, text, object, with `min`/`max` for numbers). The same contract
is checked in dbt by the `valid_values` test (tests/generic/test_valid_values.sql).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

SOURCES_YML = Path(__file__).resolve().parents[2] / "models" / "staging" / "_shop__sources.yml"
SOURCE = "shop"
REQUIRED = "required"
# The optional inputs in SEGMENTS_INPUTS' order (macros/inputs/inputs.sql), and what each needs.
OPTIONAL_INPUTS = ("demographics", "products", "feedback")
NEEDS = {"feedback": ("products",)}
FORMATS = ("integer", "date", "amount", "text", "json")
FIELD_FORMATS = ("integer", "number", "date", "text", "object")
DECIMAL = re.compile(r"(?:decimal|numeric)\s*\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)", re.IGNORECASE)
CHARACTERS = re.compile(r"char\s*\(\s*(\d+)\s*\)", re.IGNORECASE)


class ContractError(Exception):
    """The sources YAML is missing or does not describe the tables as this loader expects."""


@dataclass(frozen=True)
class JsonField:
    """One field of a json column's documents: `path` such as `payload.rating`, its format, and
    for numbers the bounds. Absent, or a JSON null, it is valid."""

    path: str
    format: str
    min: float | None = None
    max: float | None = None


class Format(str):
    """A column's format name (`amount`, ...), carrying the limits its data_type declares and a json
    column's fields: a str, so code that compares or looks up the name is unchanged, while the
    checks (segments.bulk_load.checks) read the limits from the one value they are given."""

    digits: int | None  # an amount's integer digits: 10 for decimal(12, 2), so |x| < 10^10
    scale: int  # an amount's decimals at most
    length: int | None  # a text's characters at most
    data_type: str
    json_fields: tuple[JsonField, ...]

    def __new__(cls, name: str, data_type: str = "", json_fields: tuple[JsonField, ...] = ()) -> Format:
        value = super().__new__(cls, name)
        decimal, characters = DECIMAL.search(data_type), CHARACTERS.search(data_type)
        value.scale = int(decimal.group(2) or 0) if decimal else 2
        value.digits = int(decimal.group(1)) - value.scale if decimal else None
        value.length = int(characters.group(1)) if characters else None
        value.data_type = data_type
        value.json_fields = json_fields
        return value


def json_fields(where: str, meta: dict) -> tuple[JsonField, ...]:
    """A column's `meta.json_fields` (path: {format, min, max}), checked."""
    fields = []
    for path, spec in (meta.get("json_fields") or {}).items():
        spec = spec or {}
        if spec.get("format") not in FIELD_FORMATS:
            raise ContractError(
                f"{where}: json_fields.{path}.format is {spec.get('format')!r}, not one of {FIELD_FORMATS}"
            )
        fields.append(JsonField(str(path), spec["format"], spec.get("min"), spec.get("max")))
    return tuple(fields)


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
                    format=Format(meta["format"], str(column["data_type"]), json_fields(where, meta)),
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
