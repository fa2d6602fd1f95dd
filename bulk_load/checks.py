"""The value formats of the contract (`meta.format`) as SQLite expressions over a CSV value, so
the check runs inside SQLite as rows are inserted rather than per value in Python.

- integer: an optional sign, then digits only (not `1.9`, `6abc`, `1e3` or ` 12`);
- amount: a decimal number, optional sign, at most two decimals (not `914.55 USD`, `1,570.99`);
- date: YYYY-MM-DD, a timestamp YYYY-MM-DD HH:MM:SS (or with a T, and an optional fraction of a
  second), or DD/MM/YYYY, day first (optionally with the time): a real calendar date and time,
  which SQLite's date() tells by giving the same text back after a no-op '+0 days' (it moves
  2024-02-30 to 2024-03-01);
- json: valid JSON (json_valid);
- text: anything.
An empty value is NULL and passes (the not_null tests in dbt report it).
"""

from __future__ import annotations

from collections.abc import Callable

ISO_DATE = "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]"
DAY_FIRST = "[0-9][0-9]/[0-9][0-9]/[0-9][0-9][0-9][0-9]"
TIME = "[0-9][0-9]:[0-9][0-9]:[0-9][0-9]"


def integer(p: str) -> str:
    return f"({p} glob '[-+0-9]*' and {p} not glob '?*[^0-9]*' and {p} glob '*[0-9]')"


def amount(p: str) -> str:
    return (
        f"({p} glob '[-+.0-9]*' and {p} not glob '?*[^0-9.]*' and {p} not glob '*.*.*'"
        f" and {p} not glob '*.[0-9][0-9][0-9]*' and {p} glob '*[0-9]*')"
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


def json(p: str) -> str:
    return f"json_valid({p})"


CHECKS: dict[str, Callable[[str], str]] = {"integer": integer, "amount": amount, "date": date, "json": json}
# Cheaper checks that pass the usual forms (a plain integer, two decimals, YYYY-MM-DD), tried
# first: a cast or one function instead of several GLOBs; whatever they pass, the full check
# passes too.
FAST: dict[str, Callable[[str], str]] = {
    "integer": lambda p: f"cast(cast({p} as integer) as text) = {p}",
    "amount": lambda p: f"printf('%.2f', {p}) = {p}",
    "date": lambda p: f"date({p}, '+0 days') = {p}",
}
NAMES = {"integer": "an integer", "amount": "an amount", "date": "a date", "json": "valid JSON"}


def checked_value(column_format: str, p: str, otherwise: str) -> str:
    """The value to insert for the CSV value `p` (a parameter): NULL when empty, the text when it
    has the format, else `otherwise` (bulk_load.sqlite: a function that stops the load)."""
    check = CHECKS.get(column_format)
    if check is None:
        return f"nullif({p}, '')"
    # The fast check first: it is false for '' (which the others would pass).
    fast = f"when {FAST[column_format](p)} then {p} " if column_format in FAST else ""
    return f"(case {fast}when {p} = '' then null when {check(p)} then {p} else {otherwise} end)"


def complaint(column_format: str) -> str:
    """What a bad value is not: 'an amount', 'a date (...)'."""
    if column_format == "date":
        return "a date (YYYY-MM-DD, YYYY-MM-DD HH:MM:SS or DD/MM/YYYY)"
    return NAMES[column_format]
