"""Strict values at the input boundary: a raw value that its column's format in the input contract
(models/staging/_shop__sources.yml) does not accept stops the build, whichever loader wrote it.
SQLite's casts never fail (`abc` would be customer 0, `914.55 USD` an amount of 914.55), so:
`dbt seed` loads it and the `valid_values` test on the source fails, logging the table, column
and values; `python -m segments.bulk_load` refuses it in one line; a value written into a raw table any
other way fails the same test. Every mart stays as the last good build left it."""

from __future__ import annotations

import csv
import json
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import pytest
from support import MARTS, DbtProject, copy_project, run_module

from segments.bulk_load.checks import complaint
from segments.bulk_load.contract import read_contract

pytestmark = pytest.mark.bad_input

Rows = list[dict[str, str]]


def rewrite(path: Path, edit: Callable[[Rows], object]) -> None:
    """Rewrite the CSV after `edit` changed its rows in place."""
    with open(path, newline="", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    header = list(rows[0])
    edit(rows)
    with open(path, "w", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(stream, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def set_values(column: str, values: list[str], start: int = 0) -> Callable[[Rows], None]:
    """Rows start, start + 1, ... get the values in `column`."""

    def edit(rows: Rows) -> None:
        for offset, value in enumerate(values):
            rows[start + offset][column] = value

    return edit


def documents(edits: list[Callable[[dict], object]]) -> Callable[[Rows], None]:
    """The first feedback documents, each changed by its edit (of the parsed JSON), or replaced
    by the edit's return value when it returns text."""

    def edit(rows: Rows) -> None:
        for row, change in zip(rows, edits, strict=False):
            document = json.loads(row["document"])
            replaced = change(document)
            row["document"] = replaced if isinstance(replaced, str) else json.dumps(document)

    return edit


def payload(**fields: object) -> Callable[[dict], None]:
    return lambda document: document["payload"].update(fields)


def top(**fields: object) -> Callable[[dict], None]:
    return lambda document: document.update(fields)


def text(value: str) -> Callable[[dict], str]:
    return lambda document: value


def failing_tests(project: DbtProject) -> set[str]:
    results = project.run_results()
    return {r["unique_id"].split(".")[2] for r in results if r["status"] in ("fail", "error")}


def log_lines(output: str, prefix: str) -> dict[str, str]:
    """The test's log lines by the `table.column` they name: `valid_values: shop.orders.amount: ...`."""
    lines = {}
    for line in output.splitlines():
        start = line.find(f"{prefix}: ")
        if start >= 0:
            rest = line[start + len(prefix) + 2 :]
            lines[rest.split(": ", 1)[0]] = rest
    return lines


def shown(value: str) -> str:
    """A value as the log line shows it: quoted, cut after 80 characters."""
    return "'" + (value if len(value) <= 80 else value[:80] + "...") + "'"


def assert_named(lines: dict[str, str], where: str, values: list[str], rows: int) -> None:
    assert where in lines, (where, sorted(lines))
    line = lines[where]
    assert line.startswith(f"{where}: {rows} rows are "), line
    for value in values:
        assert shown(value) + " (1 row)" in line, (value, line)


@pytest.fixture(scope="module")
def good_build(
    built_project: DbtProject, tmp_path_factory: pytest.TempPathFactory
) -> tuple[DbtProject, dict[str, list[str] | None]]:
    """A copy of the session's build of the generated seeds, on which every new check passed
    (DD/MM/YYYY birth dates, feedback without a sentiment, sent twice or timestamped day first
    included)."""
    checks = {r["unique_id"].split(".")[2]: r["status"] for r in built_project.build_results}
    new = {
        name: status
        for name, status in checks.items()
        if name.startswith(("source_valid", "source_not_after"))
    }
    assert len(new) == 6 and set(new.values()) == {"pass"}, new
    root = tmp_path_factory.mktemp("strict-values") / "segments"
    shutil.copytree(built_project.root, root, ignore=shutil.ignore_patterns("logs"))
    project = DbtProject(root)
    marts = project.keep_good_copy()
    return project, marts


@pytest.fixture
def project(good_build):
    """The good build's project; afterwards its seeds and warehouse are put back."""
    project, _ = good_build
    yield project
    project.restore_good_copy()


def assert_marts_unchanged(project: DbtProject, marts: dict[str, list[str] | None]) -> None:
    now = project.mart_rows()
    assert [mart for mart in MARTS if now[mart] != marts[mart]] == []


class SeedCase(NamedTuple):
    edits: dict[str, list[Callable[[Rows], None]]]
    # `table.column` (a JSON field after the column) -> the values its log line must show, as
    # stored (the column's affinity makes `100000000000.00` the integer 100000000000).
    named: dict[str, list[str]]
    # Each log line's problem.
    problems: dict[str, str]


LONG_TEXT = ["x" * 10001, "y" * 12000, "é" * 10001]
AMOUNT = "not an amount with at most 2 decimals, below 10^10 (decimal(12, 2))"
DATE_FORMS = "not a date (YYYY-MM-DD, YYYY-MM-DD HH:MM:SS or DD/MM/YYYY)"
# Bad values of every class, at least three each, loaded by `dbt seed`, a build per case: the
# checks of every table run and report, whatever the others find. The birth dates are checked
# against the as-of date, which reads stg_orders, built only from valid customers and orders: so
# they go with the tables of the optional inputs, and customers and orders are a case of their own.
SEED_CASES = {
    "optional inputs and birth dates": SeedCase(
        edits={
            "customers": [set_values("birth_date", ["2030-01-01", "2099-12-31", "01/01/2027"], start=9)],
            "order_items": [
                set_values("quantity", ["1.9", "6abc", "abc"]),
                set_values("sale_price", ["914.55 USD", "10.005", "100000000000.00"], start=3),
            ],
            "products": [
                set_values("list_price", ["1,570.99", "914.55%", "12.5.1"]),
                set_values("product_name", LONG_TEXT, start=3),
            ],
            "customer_feedback": [
                documents(
                    [
                        payload(rating="high"),
                        payload(rating="5 stars"),
                        payload(rating=7),
                        payload(sentiment_score=1.5),
                        payload(sentiment_score="high"),
                        payload(sentiment_score=-2),
                        top(received_at="2024-02-30 10:00:00"),
                        top(received_at=2460000),
                        top(received_at="31/02/2025 10:00:00"),
                        top(feedback_id="7"),
                        top(feedback_id=1.5),
                        top(feedback_id="abc"),
                        text("not json"),
                        text('{"feedback_id": 2,'),
                        text("[1]"),
                    ]
                )
            ],
        },
        named={
            "shop.order_items.quantity": ["1.9", "6abc", "abc"],
            "shop.order_items.sale_price": ["914.55 USD", "10.005", "100000000000"],
            "shop.products.list_price": ["1,570.99", "914.55%", "12.5.1"],
            "shop.products.product_name": LONG_TEXT,
            "shop.customer_feedback.document": ["not json", '{"feedback_id": 2,', "[1]"],
            "shop.customer_feedback.document.payload.rating": ['"high"', '"5 stars"', "7"],
            "shop.customer_feedback.document.payload.sentiment_score": ['"high"', "1.5", "-2"],
            "shop.customer_feedback.document.received_at": [
                '"2024-02-30 10:00:00"',
                "2460000",
                '"31/02/2025 10:00:00"',
            ],
            "shop.customer_feedback.document.feedback_id": ['"7"', "1.5", '"abc"'],
        },
        problems={
            "shop.order_items.quantity": "not an integer",
            "shop.order_items.sale_price": AMOUNT,
            "shop.products.product_name": "longer than 10000 characters (varchar(10000))",
            "shop.customer_feedback.document": "not a JSON object",
            "shop.customer_feedback.document.payload.rating": "not an integer from 1 to 5",
            "shop.customer_feedback.document.payload.sentiment_score": "not a number from -1 to 1",
            "shop.customer_feedback.document.received_at": DATE_FORMS,
        },
    ),
    "customers and orders": SeedCase(
        edits={
            "customers": [
                set_values("customer_id", ["abc", "12abc", "1.9"]),
                set_values("registration_date", ["2024-02-30", "2460000", "12/31/2025"], start=3),
                set_values("customer_name", LONG_TEXT, start=6),
            ],
            "orders": [
                set_values("amount", ["914.55 USD", "914.55%", "10.005"]),
                set_values("order_date", ["2025-13-01", "2025-01-01 25:00:00", "45306"], start=3),
            ],
        },
        named={
            "shop.customers.customer_id": ["abc", "12abc", "1.9"],
            "shop.customers.registration_date": ["2024-02-30", "2460000", "12/31/2025"],
            "shop.customers.customer_name": LONG_TEXT,
            "shop.orders.amount": ["914.55 USD", "914.55%", "10.005"],
            "shop.orders.order_date": ["2025-13-01", "2025-01-01 25:00:00", "45306"],
        },
        problems={
            "shop.customers.registration_date": DATE_FORMS,
            "shop.customers.customer_name": "longer than 10000 characters (varchar(10000))",
        },
    ),
}


@pytest.mark.parametrize("case", list(SEED_CASES))
def test_bad_values_loaded_by_dbt_seed_fail_valid_values_naming_them(project, good_build, case):
    edits, named, problems = SEED_CASES[case]
    for seed, seed_edits in edits.items():
        for edit in seed_edits:
            rewrite(project.root / "seeds" / f"{seed}.csv", edit)
    result = project.seed_and_build("--full-refresh")
    assert result.returncode != 0, result.stdout[-3000:]
    failing = failing_tests(project)
    for table in {where.split(".")[1] for where in named}:
        assert any(name.startswith(f"source_valid_values_shop_{table}_") for name in failing), failing
    lines = log_lines(result.stdout, "valid_values")
    for where, values in named.items():
        assert_named(lines, where, values, len(values))
    for where, problem in problems.items():
        assert f" rows are {problem}: " in lines[where], lines[where]
    late = log_lines(result.stdout, "not_after_as_of_date").get("shop.customers.birth_date")
    if case == "optional inputs and birth dates":
        assert "source_not_after_as_of_date_shop_customers_birth_date" in failing, failing
        assert late is not None and late.startswith(
            "shop.customers.birth_date: 3 rows are after the as-of date 2026-06-30: "
        ), late
        for value in ["2030-01-01", "2099-12-31", "01/01/2027"]:
            assert shown(value) + " (1 row)" in late, late
    assert_marts_unchanged(project, good_build[1])


def test_bad_values_written_into_a_users_tables_fail_valid_values(project, good_build):
    """Tables loaded another way: values written straight into the raw tables after a good load,
    and an orders table without declared column types, whose values keep their own types (a bare
    number in the date column stays a number, which SQLite would read as a Julian day)."""
    with sqlite3.connect(project.warehouse) as connection:
        columns = "order_id, customer_id, order_date, amount"
        connection.executescript(
            f"create table orders_untyped ({columns});"
            f" insert into orders_untyped select {columns} from orders;"
            " drop table orders; alter table orders_untyped rename to orders;"
        )
        for rowid, (order_date, amount) in enumerate(
            [(2460000, "914.55 USD"), (45306.5, "1,570.99"), ("2024-02-30", 100000000000.0)], start=1
        ):
            connection.execute(
                "update orders set order_date = ?, amount = ? where rowid = ?", (order_date, amount, rowid)
            )
        for rowid, quantity in enumerate([1.9, "6abc", "abc"], start=1):
            connection.execute("update order_items set quantity = ? where rowid = ?", (quantity, rowid))
        for rowid, rating in enumerate(['"high"', "7", "0"], start=1):
            connection.execute(
                "update customer_feedback set document = json_set(document, '$.payload.rating', json(?))"
                " where rowid = ?",
                (rating, rowid),
            )
    result = project.dbt("build")
    assert result.returncode != 0, result.stdout[-3000:]
    failing = failing_tests(project)
    for table in ("orders", "order_items", "customer_feedback"):
        assert any(name.startswith(f"source_valid_values_shop_{table}_") for name in failing), failing
    lines = log_lines(result.stdout, "valid_values")
    assert_named(lines, "shop.orders.order_date", ["2460000", "45306.5", "2024-02-30"], 3)
    assert_named(lines, "shop.orders.amount", ["914.55 USD", "1,570.99", "100000000000.0"], 3)
    assert_named(lines, "shop.order_items.quantity", ["1.9", "6abc", "abc"], 3)
    assert_named(lines, "shop.customer_feedback.document.payload.rating", ['"high"', "7", "0"], 3)
    assert_marts_unchanged(project, good_build[1])


@pytest.fixture(scope="module")
def good_csvs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The generator's CSVs, for bulk_load."""
    project = copy_project(tmp_path_factory.mktemp("strict-values-csv") / "segments")
    assert project.generate().returncode == 0
    return project.root / "seeds"


# (table, column, the row it goes in, value): bulk_load refuses each in one line. A value of a
# json column is an edit of the row's document.
JSON_BAD = {
    "rating high": payload(rating="high"),
    "rating 5 stars": payload(rating="5 stars"),
    "rating 7": payload(rating=7),
    "sentiment 1.5": payload(sentiment_score=1.5),
    "sentiment high": payload(sentiment_score="high"),
    "received_at 2024-02-30": top(received_at="2024-02-30 10:00:00"),
    "received_at a number": top(received_at=2460000),
    "feedback_id text": top(feedback_id="7"),
    "customer_id 1.5": payload(customer_id=1.5),
}
LOADER_BAD = [
    ("customers", "customer_id", "abc"),
    ("customers", "customer_id", "12abc"),
    ("order_items", "quantity", "1.9"),
    ("order_items", "quantity", "1e3"),
    ("customers", "registration_date", "2024-02-30"),
    ("customers", "registration_date", "2460000"),
    ("orders", "order_date", "12/31/2025"),
    ("orders", "amount", "914.55 USD"),
    ("orders", "amount", "914.55%"),
    ("products", "list_price", "1,570.99"),
    ("order_items", "sale_price", "10.005"),
    ("orders", "amount", "100000000000.00"),
    ("orders", "amount", "-10000000000"),
    ("products", "list_price", "99999999999.99"),
    ("customers", "customer_name", "x" * 10001),
    ("customers", "city", "é" * 10001),
    ("products", "product_name", "p" * 20000),
    *(("customer_feedback", "document", case) for case in JSON_BAD),
]


@pytest.mark.parametrize(("table", "column", "value"), LOADER_BAD, ids=lambda value: str(value)[:24])
def test_bulk_load_refuses_the_value_in_one_line(
    tmp_path: Path, good_csvs: Path, table: str, column: str, value: str
) -> None:
    data = tmp_path / "data"
    shutil.copytree(good_csvs, data)
    row = 2  # the CSV's line 4
    if column == "document":
        edit = documents([lambda document: None] * row + [JSON_BAD[value]])
        value_of = None
    else:
        edit = set_values(column, [value], start=row)
        value_of = value
    path = data / f"{table}.csv"
    rewrite(path, edit)
    if value_of is None:
        with open(path, newline="", encoding="utf-8") as stream:
            value_of = list(csv.DictReader(stream))[row]["document"]
    result = run_module(
        "segments.bulk_load", "--data-dir", str(data), "--warehouse", str(tmp_path / "w" / "segments.db")
    )
    assert result.returncode == 1, result.stderr
    assert result.stdout == ""
    prefix = f"bulk_load: error: {path}: line {row + 2}, column {column}: "
    assert result.stderr.startswith(prefix), result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    shown_value = repr(value_of if len(value_of) <= 80 else value_of[:80] + "...")
    assert result.stderr[len(prefix) :].startswith(f"{shown_value} is not "), result.stderr


def test_the_loaders_complaint_names_the_rule_the_value_breaks() -> None:
    """Given the value, the complaint names the limit or the JSON field at fault."""
    formats = {
        (table.name, column.name): column.format
        for table in read_contract().values()
        for column in table.columns
    }
    document = formats["customer_feedback", "document"]
    assert complaint(document, '{"payload": {"rating": "high"}}') == (
        "a JSON object with payload.rating an integer from 1 to 5"
    )
    assert complaint(document, '{"payload": {"sentiment_score": 1.5}}') == (
        "a JSON object with payload.sentiment_score a number from -1 to 1"
    )
    assert complaint(document, '{"received_at": "2024-02-30"}') == "a JSON object with received_at a date"
    assert complaint(document, '{"feedback_id": 2,') == "valid JSON"
    assert complaint(document, "[1]") == "a JSON object"
    assert complaint(document).startswith("valid JSON, an object with feedback_id an integer, ")
    amount = formats["orders", "amount"]
    assert complaint(amount, "100000000000.00") == "an amount below 10^10 (decimal(12, 2))"
    assert complaint(amount, "914.55 USD") == complaint(amount) == "an amount"
    assert complaint(formats["customers", "city"]) == "text of at most 10000 characters (varchar(10000))"
