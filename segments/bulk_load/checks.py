"""The value formats of the contract (`meta.format`) as SQLite expressions over a CSV value, so
the check runs inside SQLite as rows are inserted rather than per value in Python.

- integer: an optional sign, then digits only (not `1.9`, `6abc`, `1e3` or ` 12`);
- amount: a decimal number, optional sign, at most two decimals (the scale of its decimal(p, s)),
  below 10^(p - s) in absolute value: 10^10 for decimal(12, 2) (not `914.55 USD`, `1,570.99`,
  `10.005`, `100000000000.00`);
- date: YYYY-MM-DD, a timestamp YYYY-MM-DD HH:MM:SS (or with a T, and an optional fraction of a
  second), or DD/MM/YYYY, day first (optionally with the time): a real calendar date and time,
  which SQLite's date() tells by giving the same text back after a no-op '+0 days' (it moves
  2024-02-30 to 2024-03-01);
- json: valid JSON (json_valid); with `json_fields` in the contract, an object whose fields,
  when present and not null, have their format: integer (a JSON integer), number, date (a JSON
  string in the date forms), text (a JSON string), object, within `min`/`max` (a rating `"high"`,
  `7` or `"5 stars"`, a sentiment `1.5` are refused);
- text: anything, at most n characters for varchar(n).
An empty value is NULL and passes (the not_null tests in dbt report it). The limits come with the
format (segments.bulk_load.contract.Format). dbt's `valid_values` test holds tables loaded any other way to
the same forms (macros/inputs/value_formats.sql).
"""

from __future__ import annotations

import json as json_module
import math
import sqlite3
from collections.abc import Callable
from contextlib import closing

from segments.bulk_load.contract import Format, JsonField

ISO_DATE = "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]"
DAY_FIRST = "[0-9][0-9]/[0-9][0-9]/[0-9][0-9][0-9][0-9]"
TIME = "[0-9][0-9]:[0-9][0-9]:[0-9][0-9]"


def integer(p: str) -> str:
    return f"({p} glob '[-+0-9]*' and {p} not glob '?*[^0-9]*' and {p} glob '*[0-9]')"


def scale_of(column_format: str) -> int:
    return column_format.scale if isinstance(column_format, Format) else 2


def below_limit(p: str, column_format: str) -> str:
    """`|p| < 10^digits` for an amount whose data_type declares its precision, else true."""
    digits = column_format.digits if isinstance(column_format, Format) else None
    return f"abs(cast({p} as real)) < 1e{digits}" if digits is not None else "1"


def amount(p: str, column_format: str = "amount") -> str:
    too_many = "[0-9]" * (scale_of(column_format) + 1)
    return (
        f"({p} glob '[-+.0-9]*' and {p} not glob '?*[^0-9.]*' and {p} not glob '*.*.*'"
        f" and {p} not glob '*.{too_many}*' and {p} glob '*[0-9]*' and {below_limit(p, column_format)})"
    )


def date(p: str) -> str:
    day_first = f"substr({p}, 7, 4) || '-' || substr({p}, 4, 2) || '-' || substr({p}, 1, 2)"
    day = f"(case when substr({p}, 3, 1) = '/' then {day_first} else substr({p}, 1, 10) end)"
    moment = f"{day} || ' ' || substr({p}, 12, 8)"
    fraction = (
        f"(length({p}) = 19 or (substr({p}, 20, 1) = '.' and length({p}) > 20"
        f" and substr({p}, 21) not glob '*[^0-9]*'))"
    )
    return (
        f"(case when {p} glob '{ISO_DATE}' then date({p}, '+0 days') = {p}"
        f" when {p} glob '{DAY_FIRST}' then date({day_first}, '+0 days') = {day_first}"
        f" when {p} glob '{ISO_DATE}[ T]{TIME}*' or {p} glob '{DAY_FIRST} {TIME}*'"
        f" then datetime({moment}, '+0 days') = {moment} and {fraction}"
        " else 0 end)"
    )


# The JSON types (json_type) each field format accepts.
FIELD_TYPES = {
    "integer": ("integer",),
    "number": ("integer", "real"),
    "date": ("text",),
    "text": ("text",),
    "object": ("object",),
}


def json_field(p: str, field: JsonField) -> str:
    """False when the field is present, not a JSON null, and not of its format or out of its
    bounds (p: valid JSON). One json_type() call per field, and json_extract() only for a value
    of the right type that has bounds or is a date: SQLite parses the document once per row, but
    every call still walks it."""
    where = f"'$.{field.path}'"
    value = f"json_extract({p}, {where})"
    checks = []
    if field.format == "date":
        # The usual YYYY-MM-DD HH:MM:SS by one datetime() call before the patterns.
        checks.append(f"(case when datetime({value}, '+0 days') = {value} then 1 else {date(value)} end)")
    if field.min is not None:
        checks.append(f"{value} >= {field.min}")
    if field.max is not None:
        checks.append(f"{value} <= {field.max}")
    accepted = " ".join(
        f"when '{kind}' then {' and '.join(checks) or '1'}" for kind in FIELD_TYPES[field.format]
    )
    return f"(case coalesce(json_type({p}, {where}), 'null') when 'null' then 1 {accepted} else 0 end)"


def json(p: str, column_format: str = "json") -> str:
    fields = column_format.json_fields if isinstance(column_format, Format) else ()
    if not fields:
        return f"json_valid({p})"
    # A case, whose conditions are tried in order: json_type() raises on text that is no JSON,
    # so it is asked only once json_valid() said yes, and the first bad field ends the check.
    bad = " ".join(f"when not {json_field(p, field)} then 0" for field in fields)
    return f"(case when not json_valid({p}) then 0 when json_type({p}) != 'object' then 0 {bad} else 1 end)"


def text(p: str, column_format: str = "text") -> str:
    length = column_format.length if isinstance(column_format, Format) else None
    return f"length({p}) <= {length}" if length is not None else "1"


CHECKS: dict[str, Callable[[str, str], str]] = {
    "integer": lambda p, column_format: integer(p),
    "amount": amount,
    "date": lambda p, column_format: date(p),
    "json": json,
    "text": text,
}
# Cheaper checks that pass the usual forms (a plain integer, two decimals, YYYY-MM-DD), tried
# first: a cast or one function instead of several GLOBs; whatever they pass, the full check
# passes too.
FAST: dict[str, Callable[[str, str], str]] = {
    "integer": lambda p, column_format: f"cast(cast({p} as integer) as text) = {p}",
    "amount": lambda p, column_format: (
        f"printf('%.{scale_of(column_format)}f', {p}) = {p} and {below_limit(p, column_format)}"
    ),
    "date": lambda p, column_format: f"date({p}, '+0 days') = {p}",
}
NAMES = {"integer": "an integer", "amount": "an amount", "json": "valid JSON", "text": "text"}
FIELD_NAMES = {
    "integer": "an integer",
    "number": "a number",
    "date": "a date",
    "text": "text",
    "object": "an object",
}


def checked_value(column_format: str, p: str, otherwise: str) -> str:
    """The value to insert for the CSV value `p` (a parameter): NULL when empty, the text when it
    has the format, else `otherwise` (segments.bulk_load.sqlite: a function that stops the load)."""
    check = CHECKS.get(column_format)
    if check is None or check(p, column_format) == "1":
        return f"nullif({p}, '')"
    # The fast check first: it is false for '' (which the others would pass).
    fast = f"when {FAST[column_format](p, column_format)} then {p} " if column_format in FAST else ""
    full = check(p, column_format)
    return f"(case {fast}when {p} = '' then null when {full} then {p} else {otherwise} end)"


def field_rule(field: JsonField) -> str:
    """'payload.rating an integer from 1 to 5'."""
    bounds = ""
    if field.min is not None and field.max is not None:
        bounds = f" from {field.min:g} to {field.max:g}"
    elif field.min is not None:
        bounds = f" of at least {field.min:g}"
    elif field.max is not None:
        bounds = f" of at most {field.max:g}"
    return f"{field.path} {FIELD_NAMES[field.format]}{bounds}"


def field_is_valid(document: object, field: JsonField) -> bool:
    """The same rule as json_field(), in Python, for a message naming the field."""
    value = document
    for key in field.path.split("."):
        if not isinstance(value, dict) or key not in value:
            return True
        value = value[key]
    if value is None:
        return True
    if field.format == "object":
        return isinstance(value, dict)
    if field.format == "date" and isinstance(value, str):
        with closing(sqlite3.connect(":memory:")) as connection:
            return bool(connection.execute(f"select {date('?1')}", (value,)).fetchone()[0])
    if field.format in ("text", "date"):
        return isinstance(value, str)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return False
    if field.format == "integer" and not isinstance(value, int):
        return False
    return (field.min is None or value >= field.min) and (field.max is None or value <= field.max)


def complaint(column_format: str, value: str | None = None) -> str:
    """What a bad value is not: 'an amount', 'a date (...)', the limits its data_type declares.
    Given the value, a json column's complaint names the first field that breaks its rule."""
    if column_format == "date":
        return "a date (YYYY-MM-DD, YYYY-MM-DD HH:MM:SS or DD/MM/YYYY)"
    limits = column_format if isinstance(column_format, Format) else None
    if column_format == "amount" and limits and limits.digits is not None and value is not None:
        well_formed = value.replace(".", "", 1).lstrip("+-").isdigit()
        if well_formed and abs(float(value)) >= 10**limits.digits:
            return f"an amount below 10^{limits.digits} ({limits.data_type})"
    if column_format == "text" and limits and limits.length is not None:
        return f"text of at most {limits.length} characters ({limits.data_type})"
    if column_format == "json" and limits and limits.json_fields:
        fields = limits.json_fields
        if value is not None:
            try:
                document = json_module.loads(value)
            except ValueError:
                return "valid JSON"
            if not isinstance(document, dict):
                return "a JSON object"
            fields = tuple(field for field in fields if not field_is_valid(document, field))[:1] or fields
            return "a JSON object with " + ", ".join(field_rule(field) for field in fields)
        return "valid JSON, an object with " + ", ".join(field_rule(field) for field in fields)
    return NAMES[column_format]
