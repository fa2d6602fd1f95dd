"""The generator at scale: chunked and parallel writing give the same bytes, a progress bar on a
terminal only, and appending a day of orders to an existing data set."""

from __future__ import annotations

import csv
import json
import os
import pty
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from support import REPO, run_generator

from seeds_gen import dataset
from seeds_gen.config import resolve_config
from seeds_gen.customers import CHUNK
from seeds_gen.output import Progress

AS_OF = "2026-06-30"
FILES = ["customers.csv", "orders.csv", "products.csv", "order_items.csv", "customer_feedback.csv"]


def generate(out: Path, *args: str) -> None:
    result = run_generator("--out", str(out), "--as-of", AS_OF, *args)
    assert result.returncode == 0, result.stderr


def rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as stream:
        return list(csv.DictReader(stream))


@pytest.mark.determinism
def test_two_processes_write_the_same_bytes_as_one(tmp_path, monkeypatch):
    """Above PARALLEL_FROM orders the feed is written by a second process; the files must not change."""
    orders = dataset.PARALLEL_FROM
    generate(tmp_path / "parallel", "--customers", str(CHUNK + 5), "--orders", str(orders))
    monkeypatch.setattr(dataset, "PARALLEL_FROM", orders + 1)
    config = resolve_config(seed=42, as_of=date.fromisoformat(AS_OF), customers=CHUNK + 5, orders=orders)
    dataset.generate(config, tmp_path / "serial", Progress("orders", orders, enabled=False))
    for name in FILES:
        assert (tmp_path / "parallel" / name).read_bytes() == (tmp_path / "serial" / name).read_bytes(), name


def test_customers_span_chunks_without_a_seam(tmp_path):
    generate(tmp_path, "--customers", str(CHUNK + 1000), "--orders", "5000", "--messy-rate", "0")
    customers = rows(tmp_path / "customers.csv")
    assert [int(row["customer_id"]) for row in customers] == list(range(1, CHUNK + 1001))
    assert len({row["customer_name"] for row in customers}) == len(customers)
    registered = [row["registration_date"] for row in customers]
    assert registered == sorted(registered), "customer ids follow registration"


def run_on_terminal(*args: str) -> str:
    """Run the generator with a pseudo-terminal as stderr; return what it drew there."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "seeds_gen", *args],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.DEVNULL,
        stderr=follower,
    )
    os.close(follower)
    drawn = b""
    while True:
        try:
            data = os.read(leader, 4096)
        except OSError:  # the other end closed
            break
        if not data:
            break
        drawn += data
    assert process.wait() == 0
    os.close(leader)
    return drawn.decode()


def test_progress_bar_on_a_terminal_only(tmp_path):
    drawn = run_on_terminal("--out", str(tmp_path / "tty"), "--as-of", AS_OF, "--orders", "20000")
    assert "\rorders [" in drawn
    assert "100% 20,000/20,000" in drawn
    piped = run_generator("--out", str(tmp_path / "pipe"), "--as-of", AS_OF, "--orders", "20000")
    assert piped.returncode == 0
    assert "\r" not in piped.stderr and "orders [" not in piped.stderr


@pytest.fixture
def data_set(tmp_path) -> Path:
    out = tmp_path / "seeds"
    generate(out, "--customers", "300", "--orders", "3000")
    return out


def test_append_day_adds_the_next_days_orders_lines_and_feedback(data_set, tmp_path):
    before = {name: (data_set / name).read_bytes() for name in FILES}
    result = run_generator("--out", str(data_set), "--append-day", "--orders", "40")
    assert result.returncode == 0, result.stderr
    assert "appended 40 rows for 2026-07-01" in result.stderr

    for name in FILES:  # existing rows untouched; customers and products unchanged
        after = (data_set / name).read_bytes()
        assert after.startswith(before[name]), name
        assert (after == before[name]) == (name in ("customers.csv", "products.csv")), name

    orders = rows(data_set / "orders.csv")
    new = orders[3000:]
    assert [int(order["order_id"]) for order in new] == list(range(3001, 3041))
    assert {order["order_date"] for order in new} == {"2026-07-01"}
    customers = {row["customer_id"] for row in rows(data_set / "customers.csv")}
    assert {order["customer_id"] for order in new} <= customers

    new_ids = {order["order_id"] for order in new}
    lines = [line for line in rows(data_set / "order_items.csv") if line["order_id"] in new_ids]
    cents: dict[str, int] = {}
    for line in lines:
        cents[line["order_id"]] = cents.get(line["order_id"], 0) + int(line["quantity"]) * round(
            float(line["sale_price"]) * 100
        )
    assert cents == {order["order_id"]: round(float(order["amount"]) * 100) for order in new}

    feed = [json.loads(row["document"]) for row in rows(data_set / "customer_feedback.csv")]
    old_ids = [doc["feedback_id"] for doc in feed if doc["payload"]["order_id"] <= 3000]
    new_docs = [doc for doc in feed if doc["payload"]["order_id"] > 3000]
    assert new_docs, "no feedback on 40 new orders (about 23 expected)"
    assert min(doc["feedback_id"] for doc in new_docs) == max(old_ids) + 1
    assert all(doc["received_at"][:10] in ("2026-07-01", "01/07/2026") for doc in new_docs)


@pytest.mark.determinism
def test_append_day_is_deterministic_and_continues_day_after_day(tmp_path):
    for copy in ("a", "b"):
        generate(tmp_path / copy, "--customers", "200", "--orders", "1000")
        for _ in range(2):
            result = run_generator("--out", str(tmp_path / copy), "--append-day")
            assert result.returncode == 0, result.stderr
    for name in FILES:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    dates = [order["order_date"] for order in rows(tmp_path / "a" / "orders.csv")]
    assert dates[-1] == "2026-07-02" and "2026-07-01" in dates
    assert json.loads((tmp_path / "a" / ".seeds_gen.json").read_text())["as_of"] == "2026-07-02"


def test_an_interrupted_append_is_rolled_back_before_the_next(data_set, tmp_path):
    clean = tmp_path / "clean"
    generate(clean, "--customers", "300", "--orders", "3000")
    assert run_generator("--out", str(clean), "--append-day").returncode == 0

    manifest = json.loads((data_set / ".seeds_gen.json").read_text())
    manifest["appending"] = True  # as a kill mid-append leaves it
    (data_set / ".seeds_gen.json").write_text(json.dumps(manifest))
    with open(data_set / "orders.csv", "ab") as orders:
        orders.write(b"3001,17,2026-07-01,12")  # half a row
    result = run_generator("--out", str(data_set), "--append-day")
    assert result.returncode == 0, result.stderr
    for name in FILES:
        assert (data_set / name).read_bytes() == (clean / name).read_bytes(), name
