"""What the test modules share, imported as `from support import ...` (conftest.py holds the shared
fixtures): a copy of the dbt project in a temporary directory, so every test run builds a fresh
warehouse and never touches the user's seeds/ or warehouse/; the generator and module runners; and
the edits to a copy's seeds that several suites make (rewrite_seed, append_day)."""

from __future__ import annotations

import csv
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
AS_OF = "2026-06-30"
# customer_segments, exactly these columns in this order.
SEGMENT_COLUMNS = [
    "customer_id",
    "customer_name",
    "registration_date",
    "total_sales_amount",
    "number_of_orders",
    "customer_segment",
]
# Every model in models/marts/<area>/ (all are tables), the tables the reliability suites compare.
MARTS = sorted(path.stem for path in (REPO / "models" / "marts").rglob("*.sql"))
# What a project copy needs; generated and installed things stay behind.
PROJECT_IGNORE = shutil.ignore_patterns(
    ".venv*",
    ".git",
    "target",
    "logs",
    "*.db",
    "*.duckdb",
    "*.csv",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    "derby.log",
    "metastore_db",
    "spark-*",
)

# Debian's chromium (make browser installs it); Playwright's own browser download cannot run here.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class DbtProject:
    root: Path
    # run_results.json of the fixture's `dbt build`, kept before later dbt commands overwrite it.
    build_results: list[dict] = field(default_factory=list)

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse" / "segments.db"

    def generate(self, *args: str) -> subprocess.CompletedProcess[str]:
        return run_generator("--out", str(self.root / "seeds"), "--as-of", AS_OF, *args)

    def dbt(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        """`dbt ARGS` in this copy; `env` adds to (or, with "", clears) the environment."""
        env = {
            **os.environ,
            "DBT_PROFILES_DIR": str(self.root),
            "NO_COLOR": "1",
            "SEGMENTS_AS_OF": AS_OF,
            **(env or {}),
        }
        return subprocess.run(
            [str(BIN / "dbt"), "--no-use-colors", *args],
            cwd=self.root,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )

    def seed_and_build(self, *args: str) -> subprocess.CompletedProcess[str]:
        """`dbt seed` (the generator's CSVs into the raw tables), then `dbt build ARGS`: the two
        commands a user runs. The seed's result when it fails."""
        seeded = self.dbt("seed")
        if seeded.returncode != 0:
            return seeded
        return self.dbt("build", *args)

    def query(self, sql: str) -> list[tuple]:
        with sqlite3.connect(self.warehouse) as connection:
            return connection.execute(sql).fetchall()

    def run_results(self) -> list[dict]:
        """The node results of the last dbt command that wrote target/run_results.json."""
        return json.loads((self.root / "target" / "run_results.json").read_text())["results"]

    def mart_rows(self) -> dict[str, list[str] | None]:
        """Every mart's rows as their reprs (so 1 and 1.0 differ), sorted, so the comparison does
        not depend on the order a table returns them in; None for a mart that does not exist."""
        tables = {name for (name,) in self.query("select name from sqlite_master where type = 'table'")}
        return {
            mart: sorted(repr(row) for row in self.query(f"select * from {mart}")) if mart in tables else None
            for mart in MARTS
        }

    def keep_good_copy(self) -> dict[str, list[str] | None]:
        """Copies this build's seeds and warehouse beside the project (restore_good_copy puts
        them back), and returns its marts' rows, every one of which must hold data."""
        shutil.copytree(self.root / "seeds", self.root.parent / "good-seeds")
        shutil.copytree(self.warehouse.parent, self.root.parent / "good-warehouse")
        marts = self.mart_rows()
        assert all(marts.values()), "a mart of the good build is empty: nothing to compare against"
        return marts

    def restore_good_copy(self) -> None:
        """The seeds and warehouse keep_good_copy saved, back in place."""
        shutil.copytree(self.root.parent / "good-seeds", self.root / "seeds", dirs_exist_ok=True)
        shutil.rmtree(self.warehouse.parent)
        shutil.copytree(self.root.parent / "good-warehouse", self.warehouse.parent)

    def make_command(self, *args: str) -> tuple[list[str], dict[str, str]]:
        """argv and environment for `make ARGS` in this copy, reusing the current environment
        (VENV points at it, and -o marks its install stamps as done so nothing is reinstalled)."""
        venv = Path(sys.prefix)
        if venv == Path(sys.base_prefix):
            pytest.fail("run the tests from the project's virtual environment (make test does)")
        stamps = [f"{venv}/.installed-runtime", f"{venv}/.installed-dev"]
        argv = ["make", *args, f"VENV={venv}", *(arg for stamp in stamps for arg in ("-o", stamp))]
        # Not the make that runs the tests (make test): its level and flags would make this one print
        # its directories and pass on its own options.
        inherited = {
            key: value for key, value in os.environ.items() if key not in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS")
        }
        env = {**inherited, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "NO_COLOR": "1"}
        return argv, env

    def make(self, *args: str) -> subprocess.CompletedProcess[str]:
        argv, env = self.make_command(*args)
        return subprocess.run(argv, cwd=self.root, env=env, capture_output=True, text=True, check=False)

    def read_seed(self, name: str) -> list[dict[str, str]]:
        with open(self.root / "seeds" / f"{name}.csv", newline="", encoding="utf-8") as stream:
            return list(csv.DictReader(stream))


def run_module(module: str, *args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    """`python -m module args` with this repo's packages importable."""
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        check=False,
    )


def run_generator(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return run_module("seeds_gen", *args, cwd=cwd)


def copy_project(destination: Path) -> DbtProject:
    shutil.copytree(REPO, destination, ignore=PROJECT_IGNORE)
    return DbtProject(destination)


def rewrite_seed(project: DbtProject, name: str, edit: Callable[[list[dict[str, str]]], object]) -> None:
    """Rewrite a seed after `edit` changed its rows in place: the columns are the first row's keys
    (so popping or adding a key in every row drops or adds a column), or the old header when the
    edit left no rows."""
    path = project.root / "seeds" / f"{name}.csv"
    with open(path, newline="", encoding="utf-8") as stream:
        header = next(csv.reader(stream))
    rows = project.read_seed(name)
    edit(rows)
    with open(path, "w", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(rows[0]) if rows else header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as stream:
        return list(csv.DictReader(stream))


def append_csv(path: Path, rows: list[dict]) -> None:
    with open(path, "a", newline="", encoding="utf-8") as stream:
        csv.DictWriter(stream, fieldnames=list(rows[0]), lineterminator="\n").writerows(rows)


def append_day(seeds: Path, day: str) -> None:
    """Append one day of new orders after the data set's last day, as the daily feed does: orders
    with higher ids, their lines and feedback, and a customer who registered that day. The buyers:
    customers who ordered before (one of them twice that day), a registered customer's first order
    and the new customer's first order. The one place that writes the new day, so that
    `python -m seeds_gen --out DIR --append-day` can take its place."""
    customers = read_csv(seeds / "customers.csv")
    orders = read_csv(seeds / "orders.csv")
    products = read_csv(seeds / "products.csv")
    feedback = read_csv(seeds / "customer_feedback.csv")
    documents = [json.loads(row["document"]) for row in feedback]
    ordered = sorted({int(order["customer_id"]) for order in orders})
    never_ordered = sorted({int(customer["customer_id"]) for customer in customers} - set(ordered))
    new_customer = {
        **customers[-1],
        "customer_id": max(int(customer["customer_id"]) for customer in customers) + 1,
        "customer_name": "Customer New",
        "registration_date": day,
    }
    buyers = [ordered[0], ordered[1], ordered[1], ordered[len(ordered) // 2], never_ordered[0]]
    buyers.append(new_customer["customer_id"])
    order_id = max(int(order["order_id"]) for order in orders)
    feedback_id = max(document["feedback_id"] for document in documents)
    new_orders, new_lines, new_feedback = [], [], []
    for number, customer_id in enumerate(buyers):
        order_id += 1
        feedback_id += 1
        lines = []
        for line_number in range(1, 2 + number % 3):
            product = products[(order_id * 7 + line_number) % len(products)]
            quantity = 1 + (order_id + line_number) % 3
            lines.append(
                {
                    "order_id": order_id,
                    "line_number": line_number,
                    "product_id": product["product_id"],
                    "quantity": quantity,
                    "sale_price": product["list_price"],
                }
            )
        # The lines add up to the order's amount, to the cent.
        amount = sum(Decimal(line["sale_price"]) * line["quantity"] for line in lines)
        new_orders.append(
            {"order_id": order_id, "customer_id": customer_id, "order_date": day, "amount": f"{amount:.2f}"}
        )
        new_lines += lines
        document = {
            "feedback_id": feedback_id,
            "received_at": f"{day} 18:00:00",
            "payload": {
                "customer_id": customer_id,
                "product_id": int(lines[0]["product_id"]),
                "order_id": order_id,
                "rating": 1 + number % 5,
                "sentiment_score": 0.25,
                "comment": "Arrived on time.",
            },
        }
        new_feedback.append({"document": json.dumps(document, separators=(",", ":"))})
    append_csv(seeds / "customers.csv", [new_customer])
    append_csv(seeds / "orders.csv", new_orders)
    append_csv(seeds / "order_items.csv", new_lines)
    # The feed sends an old document again: staging keeps one copy of it.
    append_csv(seeds / "customer_feedback.csv", [*new_feedback, feedback[0]])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def read_export(path: Path) -> list[dict[str, str]]:
    """Rows with header names trimmed and lowercased, as the loader matches them."""
    with open(path, newline="", encoding="utf-8-sig") as stream:
        reader = csv.reader(stream)
        header = [name.strip().lower() for name in next(reader)]
        return [dict(zip(header, row, strict=True)) for row in reader]


def write_users_raw_tables(raw_db: Path, export: Path) -> None:
    """docs/your-data.md, "Tables already in your warehouse": the export's customers and orders as
    the tables crm_customers and shop_orders of the SQLite file raw_db, under other names and with
    other columns beside the contract's."""
    customers, orders = read_export(export / "customers.csv"), read_export(export / "orders.csv")
    with sqlite3.connect(raw_db) as raw:
        raw.execute(
            "create table crm_customers"
            " (customer_id integer, customer_name text, registration_date text, email text)"
        )
        raw.executemany(
            "insert into crm_customers values (?, nullif(?, ''), ?, ?)",
            [(c["customer_id"], c["customer_name"], c["registration_date"], c["email"]) for c in customers],
        )
        raw.execute(
            "create table shop_orders"
            " (order_id integer, customer_id integer, order_date text, amount numeric, channel text)"
        )
        raw.executemany(
            "insert into shop_orders values (?, ?, ?, ?, ?)",
            [(o["order_id"], o["customer_id"], o["order_date"], o["amount"], o["channel"]) for o in orders],
        )
    raw.close()
