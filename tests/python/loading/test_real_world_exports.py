"""python -m segments.bulk_load on CSVs as other systems export them (byte order mark, CRLF, headers in any
case and order, extra and missing optional columns, timestamps), the optional inputs a data folder
makes up (--list-inputs), strict values (a bad one stops the whole load in one line and changes no
table), and the one contract: models/staging/_shop__sources.yml, which seeds/_seeds.yml follows."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

import pytest
import yaml
from support import REPO, run_module

from segments.bulk_load.contract import read_contract

CUSTOMERS = [
    [
        "customer_id",
        "customer_name",
        "registration_date",
        "birth_date",
        "gender",
        "country",
        "region",
        "city",
    ],
    ["1", "Ann", "2024-01-02", "1990-05-06", "F", "NL", "North", "Groningen"],
    ["2", "Bob", "2024-01-03 10:00:00", "31/12/1985", "M", "DE", "South", "Munich"],
    ["3", 'Cat, "the" Great', "2024-01-04T08:30:00.250", "", "", "", "", ""],
]
ORDERS = [
    ["order_id", "customer_id", "order_date", "amount"],
    ["1", "1", "2024-02-01", "10.50"],
    ["2", "2", "2024-02-02 12:00:00", "0"],
    ["3", "3", "2024-02-03", "-3.2"],
]
PRODUCTS = [
    ["product_id", "product_name", "category", "list_price"],
    ["1", "Tea", " Drinks ", "4.50"],
    ["2", "Cake", "food", "3"],
]
ORDER_ITEMS = [
    ["order_id", "line_number", "product_id", "quantity", "sale_price"],
    ["1", "1", "1", "1", "4.50"],
    ["1", "2", "2", "2", "3.00"],
    ["2", "1", "2", "1", "0.00"],
]
FEEDBACK = [
    ["document"],
    ['{"feedback_id": 1, "received_at": "2025-03-04 10:15:00", "payload": {"customer_id": 1, "rating": 3}}'],
    ['{"feedback_id": 2, "received_at": "04/03/2025 10:15:00", "payload": {"customer_id": 2}}'],
]
ALL = {
    "customers": CUSTOMERS,
    "orders": ORDERS,
    "products": PRODUCTS,
    "order_items": ORDER_ITEMS,
    "customer_feedback": FEEDBACK,
}


def bulk_load(*args: str) -> subprocess.CompletedProcess[str]:
    return run_module("segments.bulk_load", *args)


def csv_text(rows: list[list[str]], newline: str = "\n") -> str:
    def field(value: str) -> str:
        if any(character in value for character in ',"\n\r') or value != value.strip():
            return '"' + value.replace('"', '""') + '"'
        return value

    return "".join(",".join(field(value) for value in row) + newline for row in rows)


def write_folder(
    folder: Path, tables: dict[str, list[list[str]]], newline: str = "\n", bom: bool = False
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        data = csv_text(rows, newline).encode()
        (folder / f"{name}.csv").write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return folder


def warehouse_dump(warehouse: Path) -> dict[str, list[tuple]]:
    """Every table with its declared columns and its rows, each value with its storage class."""
    with sqlite3.connect(warehouse) as connection:
        tables = [
            name for (name,) in connection.execute("select name from sqlite_master where type = 'table'")
        ]
        dump = {}
        for table in sorted(tables):
            columns = connection.execute(f"pragma table_info({table})").fetchall()
            classes = ", ".join(f"typeof({column[1]})" for column in columns)
            dump[table] = (
                columns + connection.execute(f"select *, {classes} from {table} order by rowid").fetchall()
            )
    return dump


def rows(warehouse: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(warehouse) as connection:
        return connection.execute(sql).fetchall()


def test_the_loader_and_dbt_seed_declare_the_same_tables() -> None:
    """One contract: seeds/_seeds.yml's column_types are the sources' data_types, table by table."""
    seeds = yaml.safe_load((REPO / "seeds" / "_seeds.yml").read_text())["seeds"]
    declared = {
        seed["name"]: {name: str(kind) for name, kind in seed["config"]["column_types"].items()}
        for seed in seeds
    }
    contract = {name: table.column_types for name, table in read_contract().items()}
    assert declared == contract
    assert list(declared) == list(contract)
    for name in declared:
        assert list(declared[name]) == list(contract[name]), name  # same column order


def test_a_real_world_export_loads(tmp_path: Path) -> None:
    """BOM, CRLF, quoted fields, headers in other cases and orders with surrounding spaces, extra
    columns (one of them last), optional columns left out, timestamps and day-first dates."""
    customers = [
        [" Registration_Date", "CUSTOMER_ID ", "Loyalty Tier"],
        ["2024-01-02 10:00:00", "1", "gold"],
        ["2024-01-03T11:00:00.5", "2", ""],
        ["04/01/2024", "3", "silver"],
    ]
    orders = [
        ["Amount", "Order_Date", "channel", "customer_id", "ORDER_ID", "note"],
        ["10.5", "2024-02-01 12:00:00", "web", "1", "1", 'say "hi",\nthen go'],
        ["-3", "05/02/2024", "", "2", "2", ""],
        ["", "2024-02-06", "shop", "3", "3", "x"],
    ]
    data = write_folder(
        tmp_path / "data", {"customers": customers, "orders": orders}, newline="\r\n", bom=True
    )
    warehouse = tmp_path / "w" / "segments.db"
    result = bulk_load("--data-dir", str(data), "--warehouse", str(warehouse))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Loaded customers 3, orders 3 rows into")
    assert (
        lines[1]
        == "Ignored columns not in the contract: customers.csv (Loyalty Tier); orders.csv (channel, note)"
    )
    assert lines[-1] == "inputs: none"
    assert rows(warehouse, "select *, typeof(customer_id) from customers order by rowid") == [
        (1, None, "2024-01-02 10:00:00", None, None, None, None, None, "integer"),
        (2, None, "2024-01-03T11:00:00.5", None, None, None, None, None, "integer"),
        (3, None, "04/01/2024", None, None, None, None, None, "integer"),
    ]
    assert rows(warehouse, "select *, typeof(amount) from orders order by rowid") == [
        (1, 1, "2024-02-01 12:00:00", 10.5, "real"),
        (2, 2, "05/02/2024", -3, "integer"),
        (3, 3, "2024-02-06", None, "null"),
    ]
    assert [name for (name,) in rows(warehouse, "select name from sqlite_master")] == ["customers", "orders"]


def test_every_input_loads_with_demographics_in_any_case(tmp_path: Path) -> None:
    customers = [[name.upper() for name in CUSTOMERS[0]], *CUSTOMERS[1:]]
    data = write_folder(tmp_path / "data", {**ALL, "customers": customers})
    warehouse = tmp_path / "segments.db"
    result = bulk_load("--data-dir", str(data), "--warehouse", str(warehouse))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "inputs: demographics,products,feedback"
    assert "Ignored" not in result.stdout
    assert rows(warehouse, "select * from customers order by rowid") == [
        (1, "Ann", "2024-01-02", "1990-05-06", "F", "NL", "North", "Groningen"),
        (2, "Bob", "2024-01-03 10:00:00", "31/12/1985", "M", "DE", "South", "Munich"),
        (3, 'Cat, "the" Great', "2024-01-04T08:30:00.250", None, None, None, None, None),
    ]
    assert rows(warehouse, "select category from products order by rowid") == [(" Drinks ",), ("food",)]
    assert len(rows(warehouse, "select * from order_items")) == 3
    assert rows(warehouse, "select json_extract(document, '$.feedback_id') from customer_feedback") == [
        (1,),
        (2,),
    ]


@pytest.mark.parametrize(
    ("tables", "expected"),
    [
        (["customers", "orders"], "demographics"),
        (["customers", "orders", "products", "order_items"], "demographics,products"),
        (
            ["customers", "orders", "products", "order_items", "customer_feedback"],
            "demographics,products,feedback",
        ),
    ],
)
def test_list_inputs_names_the_folders_inputs(tmp_path: Path, tables: list[str], expected: str) -> None:
    data = write_folder(tmp_path / "data", {name: ALL[name] for name in tables})
    result = bulk_load("--data-dir", str(data), "--list-inputs", "--warehouse", str(tmp_path / "w.db"))
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{expected}\n"
    assert not (tmp_path / "w.db").exists()  # loads nothing
    without_demographics = [row[:3] for row in CUSTOMERS]
    write_folder(data, {"customers": without_demographics})
    result = bulk_load("--data-dir", str(data), "--list-inputs")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{expected.replace('demographics', '').strip(',') or 'none'}\n"


@pytest.mark.parametrize(
    ("tables", "status", "message"),
    [
        (["customers"], 2, "no orders.csv in {data} (customers.csv and orders.csv are required)"),
        (
            ["customers", "orders", "products"],
            2,
            "products.csv without order_items.csv in {data}: the products input needs products.csv and "
            "order_items.csv",
        ),
        (
            ["customers", "orders", "customer_feedback"],
            2,
            "customer_feedback.csv without products.csv and order_items.csv in {data}: the feedback input "
            "needs the products input",
        ),
    ],
)
def test_a_folder_with_the_wrong_files_is_refused_in_one_line(
    tmp_path: Path, tables: list[str], status: int, message: str
) -> None:
    data = write_folder(tmp_path / "data", {name: ALL[name] for name in tables})
    for extra in ([], ["--list-inputs"]):
        result = bulk_load("--data-dir", str(data), "--warehouse", str(tmp_path / "w.db"), *extra)
        assert result.returncode == status
        assert result.stderr == f"bulk_load: error: {message.format(data=data)}\n"
    assert not (tmp_path / "w.db").exists()


def test_some_demographic_columns_but_not_all_is_an_error(tmp_path: Path) -> None:
    customers = [row[:5] for row in CUSTOMERS]  # birth_date and gender, no country, region, city
    data = write_folder(tmp_path / "data", {"customers": customers, "orders": ORDERS})
    result = bulk_load("--data-dir", str(data), "--list-inputs")
    assert result.returncode == 1
    assert result.stderr == (
        f"bulk_load: error: {data / 'customers.csv'}: the demographics columns come all together or not "
        "at all: no country, region, city (has birth_date, gender)\n"
    )


def test_a_load_without_an_input_drops_its_old_tables(tmp_path: Path) -> None:
    """An old products table must not pair with new orders: a load of a folder without products
    drops the tables of the products and feedback inputs, in the same transaction."""
    warehouse = tmp_path / "segments.db"
    full = write_folder(tmp_path / "full", ALL)
    assert bulk_load("--data-dir", str(full), "--warehouse", str(warehouse)).returncode == 0
    required = write_folder(tmp_path / "required", {"customers": CUSTOMERS, "orders": ORDERS[:2]})
    result = bulk_load("--data-dir", str(required), "--warehouse", str(warehouse))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "inputs: demographics"
    assert sorted(name for (name,) in rows(warehouse, "select name from sqlite_master")) == [
        "customers",
        "orders",
    ]
    assert rows(warehouse, "select count(*) from orders") == [(1,)]


# (table, data row from 1, column, bad value, what it is not)
BAD_VALUES = [
    ("orders", 2, "amount", "914.55 USD", "an amount"),
    ("orders", 1, "amount", "914.55%", "an amount"),
    ("orders", 3, "amount", "1,570.99", "an amount"),
    ("orders", 3, "amount", "1.999", "an amount"),
    ("orders", 1, "order_id", "6abc", "an integer"),
    ("orders", 2, "customer_id", "1.9", "an integer"),
    ("orders", 3, "order_id", "abc", "an integer"),
    ("orders", 2, "order_date", "2024-02-30", "a date (YYYY-MM-DD, YYYY-MM-DD HH:MM:SS or DD/MM/YYYY)"),
    ("orders", 2, "order_date", "45306", "a date (YYYY-MM-DD, YYYY-MM-DD HH:MM:SS or DD/MM/YYYY)"),
    (
        "customers",
        3,
        "registration_date",
        "2023-02-29 10:00:00",
        "a date (YYYY-MM-DD, YYYY-MM-DD HH:MM:SS or DD/MM/YYYY)",
    ),
    ("customers", 2, "birth_date", "31/02/1985", "a date (YYYY-MM-DD, YYYY-MM-DD HH:MM:SS or DD/MM/YYYY)"),
    ("products", 2, "list_price", "3 EUR", "an amount"),
    ("order_items", 3, "quantity", "1.5", "an integer"),
    ("order_items", 1, "sale_price", "$4.50", "an amount"),
    ("customer_feedback", 2, "document", '{"feedback_id": 2,', "valid JSON"),
]


@pytest.fixture
def loaded_warehouse(tmp_path: Path) -> tuple[Path, dict[str, list[tuple]]]:
    warehouse = tmp_path / "warehouse" / "segments.db"
    result = bulk_load("--data-dir", str(write_folder(tmp_path / "good", ALL)), "--warehouse", str(warehouse))
    assert result.returncode == 0, result.stderr
    return warehouse, warehouse_dump(warehouse)


@pytest.mark.parametrize(("table", "row", "column", "value", "kind"), BAD_VALUES)
def test_a_bad_value_stops_the_load_in_one_line_and_changes_no_table(
    tmp_path: Path,
    loaded_warehouse: tuple[Path, dict[str, list[tuple]]],
    table: str,
    row: int,
    column: str,
    value: str,
    kind: str,
) -> None:
    warehouse, before = loaded_warehouse
    tables = {name: [list(record) for record in records] for name, records in ALL.items()}
    tables[table][row][tables[table][0].index(column)] = value
    # Every other table changes too, so an unchanged table shows the load was undone.
    tables["orders"].append(["9", "1", "2024-03-01", "1.00"])
    data = write_folder(tmp_path / "bad", tables, newline="\r\n")
    result = bulk_load("--data-dir", str(data), "--warehouse", str(warehouse))
    assert result.returncode == 1
    where = f"{data / f'{table}.csv'}: line {row + 1}, column {column}"
    assert result.stderr == f"bulk_load: error: {where}: {value!r} is not {kind}\n"
    assert result.stdout == ""
    assert warehouse_dump(warehouse) == before


def test_the_line_of_a_bad_value_counts_quoted_line_breaks_and_blank_lines(tmp_path: Path) -> None:
    text = (
        "customer_id,customer_name,registration_date\n"
        '1,"two\nlines",2024-01-01\n'
        "\n"
        '2,"three\r\nlines\nhere",2024-01-02\n'
        "3,Dee,2024-01-32\n"
    )
    data = write_folder(tmp_path / "data", {"orders": ORDERS})
    (data / "customers.csv").write_text(text, newline="")
    result = bulk_load("--data-dir", str(data), "--warehouse", str(tmp_path / "w.db"))
    assert result.returncode == 1
    assert result.stderr.endswith(
        "customers.csv: line 8, column registration_date: '2024-01-32' is not a date "
        "(YYYY-MM-DD, YYYY-MM-DD HH:MM:SS or DD/MM/YYYY)\n"
    )
    good = text.replace("2024-01-32", "2024-01-31")
    (data / "customers.csv").write_text(good, newline="")
    result = bulk_load("--data-dir", str(data), "--warehouse", str(tmp_path / "w.db"))
    assert result.returncode == 0, result.stderr
    assert rows(tmp_path / "w.db", "select customer_name from customers") == [
        ("two\nlines",),
        ("three\r\nlines\nhere",),
        ("Dee",),
    ]


def test_append_maps_the_header_and_checks_the_new_rows(tmp_path: Path) -> None:
    header = ["Amount", "ORDER_ID", "order_date", "extra", "customer_id"]
    orders = [header, ["10.50", "1", "2024-02-01", "x", "1"], ["2", "2", "2024-02-02", "", "2"]]
    data = write_folder(
        tmp_path / "data", {"customers": CUSTOMERS, "orders": orders}, newline="\r\n", bom=True
    )
    warehouse = tmp_path / "segments.db"
    assert bulk_load("--data-dir", str(data), "--warehouse", str(warehouse)).returncode == 0
    before = warehouse_dump(warehouse)

    bad = [*orders, ["3.00", "3", "2024-02-03", "", "3"], ["4.00", "4", "2024-13-01", "", "1"]]
    write_folder(data, {"orders": bad}, newline="\r\n", bom=True)
    result = bulk_load("--data-dir", str(data), "--warehouse", str(warehouse), "--append")
    assert result.returncode == 1
    assert result.stderr.endswith(
        "orders.csv: line 5, column order_date: '2024-13-01' is not a date "
        "(YYYY-MM-DD, YYYY-MM-DD HH:MM:SS or DD/MM/YYYY)\n"
    )
    assert warehouse_dump(warehouse) == before

    good = [*orders, ["3.00", "3", "2024-02-03", "", "3"], ["4.00", "4", "2024-02-04", "y", "1"]]
    write_folder(data, {"orders": good}, newline="\r\n", bom=True)
    result = bulk_load("--data-dir", str(data), "--warehouse", str(warehouse), "--append")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Appended customers 0, orders 2 rows into")
    assert rows(warehouse, "select order_id, customer_id, order_date, amount from orders order by rowid") == [
        (1, 1, "2024-02-01", 10.5),
        (2, 2, "2024-02-02", 2),
        (3, 3, "2024-02-03", 3),
        (4, 1, "2024-02-04", 4),
    ]


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("order_id,customer_id,order_date", "no column amount"),
        ("order_id,customer_id,order_date,amount,Amount", "column amount appears twice (columns 4 and 5)"),
        ("", "empty file, not even a header"),
    ],
)
def test_a_bad_header_is_one_line(tmp_path: Path, header: str, message: str) -> None:
    data = write_folder(tmp_path / "data", {"customers": CUSTOMERS})
    (data / "orders.csv").write_text(header + "\n1,1,2024-01-01,1.00,1\n" if header else "")
    result = bulk_load("--data-dir", str(data), "--warehouse", str(tmp_path / "w.db"))
    assert result.returncode == 1
    assert len(result.stderr.splitlines()) == 1
    assert f"orders.csv: {message}" in result.stderr


def test_a_warehouse_folder_that_cannot_be_made_is_one_line(tmp_path: Path) -> None:
    data = write_folder(tmp_path / "data", {"customers": CUSTOMERS, "orders": ORDERS})
    (tmp_path / "file").write_text("not a folder")
    result = bulk_load("--data-dir", str(data), "--warehouse", str(tmp_path / "file" / "w" / "segments.db"))
    assert result.returncode == 1
    assert result.stderr.startswith("bulk_load: error: ")
    assert len(result.stderr.splitlines()) == 1
    assert "Traceback" not in result.stderr
