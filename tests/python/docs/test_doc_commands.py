"""Every command the docs tell a user to type runs. The shell blocks (```sh, ```bash, ```shell) of
README.md and docs/*.md run in document order, each with `bash -euo pipefail` in the root of a
temporary copy of the project, and must exit 0; where the text states a result, the test checks it
(CHECKS). Every fenced block is tagged (```sh for commands, ```text for output), so no command
block goes unrun for want of a tag.

A block that needs what a test run cannot have (a server or cluster elsewhere, the package index,
hours of benchmarks, a server that runs until Ctrl-C, this suite itself) has the marker
`<!-- docs-test: skip, REASON -->` on the line before it and is named in EXCLUDED: a block excluded
and not named there, or named and no longer excluded, fails the test, so exclusions never grow
unnoticed.

The blocks see what a user sees: the copy's `.venv` (the running venv, with the install stamps
`make` leaves, so it installs nothing), its bin first on PATH as after `. .venv/bin/activate`,
DBT_PROFILES_DIR the copy, the copy's own packages first on PYTHONPATH, no SEGMENTS_* variable, and
NO_COLOR=1."""

from __future__ import annotations

import csv
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from support import REPO, copy_project, run_module, write_users_raw_tables

PAGES = ["README.md", *sorted(f"docs/{path.name}" for path in (REPO / "docs").glob("*.md"))]
SHELL_TAGS = {"sh", "bash", "shell"}
FENCE = re.compile(r"^(?P<indent>\s*)```(?P<tag>\S*)\s*$")
SKIP_MARKER = re.compile(r"^\s*<!-- docs-test: skip, (?P<reason>.+?) -->\s*$")

# The pages run in this order, each reading in its own copy of the project: a reader of README.md
# who goes on to loading large data and the refresh (which then loads over the warehouse
# `make build` made), then tries the clustering settings and the segment history's backfill, and a
# reader with their own data on a fresh clone. Every other page has no command block that runs.
READINGS = {
    "generated-data": [
        "README.md",
        "docs/loading-and-refresh.md",
        "docs/clustering.md",
        "docs/segment-history.md",
    ],
    "your-data": ["docs/your-data.md"],
}

# (page, first command): why the block does not run here, and what runs it instead.
EXCLUDED = {
    ("README.md", "make test"): "runs the whole suite, this test among them",
    ("README.md", "make docs"): "serves the docs until Ctrl-C (tests/python/docs/test_docs_serve.py runs it)",
    ("docs/development.md", "make test"): (
        "make test and make test-engines run the suites (this test among them; test-engines needs the"
        " engine venvs and a PostgreSQL server), make lint runs in make test before pytest, make fuzz"
        " and make bench run for many minutes, make docs-screenshot is the docs browser test of make"
        " test, make lock resolves against the package index"
    ),
    ("docs/engines.md", "python3 -m venv .venv-duckdb && .venv-duckdb/bin/pip install -e '.[duckdb]'"): (
        "installs each engine's adapter from the package index and needs a PostgreSQL server and Java"
        " 17 (make test-engines builds all three)"
    ),
    ("docs/performance.md", "make bench"): "benchmarks up to 10 million orders, for hours",
}


@dataclass(frozen=True)
class Block:
    page: str
    line: int  # of the opening fence, from 1
    tag: str
    text: str
    skip_reason: str | None

    @property
    def first_command(self) -> str:
        """The first command line, continuation lines joined, without its comment."""
        logical = re.sub(r"\\\n\s*", "", self.text)
        for line in logical.splitlines():
            command = re.sub(r"(^|\s+)#.*$", "", line).strip()
            if command:
                return " ".join(command.split())
        return ""

    @property
    def key(self) -> tuple[str, str]:
        return self.page, self.first_command

    def __str__(self) -> str:
        return f"{self.page}:{self.line} ({self.first_command})"


def fenced_blocks(page: str) -> list[Block]:
    lines = (REPO / page).read_text(encoding="utf-8").splitlines()
    blocks, number = [], 0
    while number < len(lines):
        opening = FENCE.match(lines[number])
        if not opening:
            number += 1
            continue
        end = next((later for later in range(number + 1, len(lines)) if lines[later].strip() == "```"), None)
        assert end is not None, f"{page}:{number + 1}: a fence that is never closed"
        indent = len(opening["indent"])
        text = "\n".join(
            line[indent:] if line[:indent].isspace() else line for line in lines[number + 1 : end]
        )
        before = next((line for line in reversed(lines[:number]) if line.strip()), "")
        marker = SKIP_MARKER.match(before)
        blocks.append(Block(page, number + 1, opening["tag"], text + "\n", marker and marker["reason"]))
        number = end + 1
    return blocks


def command_blocks(page: str) -> list[Block]:
    return [block for block in fenced_blocks(page) if block.tag in SHELL_TAGS]


# What the docs ask the reader to have before a block: the folder of their CSV exports, and their
# tables in their warehouse. Keyed by text the block holds; each setup runs once, before the first
# block that needs it.
EXPORT = REPO / "tests" / "data" / "shop_export"


def your_folder(root: Path) -> None:
    """path/to/folder: an export with demographics and products and no feedback (the generator's
    files without customer_feedback.csv), so that `--list-inputs` prints the docs' example,
    demographics,products; other customers and orders than the demo seeds, so that a build that
    kept rows of the one after loading the other is caught."""
    folder = root / "path" / "to" / "folder"
    generated = run_module(
        "seeds_gen", "--out", str(folder), "--seed", "7", "--customers", "60", "--orders", "500", cwd=root
    )
    assert generated.returncode == 0, generated.stderr
    for name in ("customer_feedback.csv", ".seeds_gen.json"):
        (folder / name).unlink()


def your_tables(root: Path) -> None:
    """The tables crm_customers and shop_orders in the schema raw (warehouse/raw.db on SQLite), under
    other names and with other columns beside the contract's."""
    (root / "warehouse").mkdir(exist_ok=True)
    write_users_raw_tables(root / "warehouse" / "raw.db", EXPORT)


SETUPS: list[tuple[str, Callable[[Path], None]]] = [
    ("path/to/folder", your_folder),
    ("SEGMENTS_RAW_SCHEMA=raw", your_tables),
]


# The results the text states, checked after the block that the text says gives them.
def shown_tables(output: str) -> list[int]:
    """The number of rows of each table `dbt show` printed (a header, a | --- | line, the rows)."""
    counts, lines = [], output.splitlines()
    for number, line in enumerate(lines):
        if re.match(r"^\| -", line):
            rows = 0
            for after in lines[number + 1 :]:
                if not after.startswith("|"):
                    break
                rows += 1
            counts.append(rows)
    return counts


def csv_rows(path: Path) -> int:
    with open(path, newline="", encoding="utf-8-sig") as stream:
        return sum(1 for _ in csv.reader(stream)) - 1


def export_totals(folder: Path) -> tuple[int, int, int]:
    """The customers, the orders and the cents of every order's amount in a folder of CSVs (read as
    the loader matches headers: trimmed, in any case)."""
    with open(folder / "orders.csv", newline="", encoding="utf-8-sig") as stream:
        reader = csv.reader(stream)
        amount = [name.strip().lower() for name in next(reader)].index("amount")
        orders = cents = 0
        for row in reader:
            orders += 1
            cents += int(Decimal(row[amount]) * 100)
    return csv_rows(folder / "customers.csv"), orders, cents


def segments_totals(root: Path) -> tuple[int, int, int]:
    """customer_segments' customers, the orders it counts and their total in cents."""
    with sqlite3.connect(root / "warehouse" / "segments.db") as warehouse:
        totals = warehouse.execute(
            "select count(*), sum(number_of_orders), sum(cast(round(total_sales_amount * 100) as integer))"
            " from customer_segments"
        ).fetchone()
    warehouse.close()
    return totals


def segments_count(folder: Path) -> Callable[[Path, str], None]:
    def check(root: Path, output: str) -> None:
        """customer_segments counts every customer, every order and every cent of the CSVs (the
        copy's `folder`): after new rows were loaded over an earlier build, or a day appended, none
        is left out, none counted twice and none kept from before."""
        expected = export_totals(root / folder)
        assert segments_totals(root) == expected, (
            f"customer_segments (customers, orders, cents) against {folder}"
        )

    return check


segments_count_the_seeds = segments_count(Path("seeds"))


def make_build_prints_the_segments(root: Path, output: str) -> None:
    """README: the head of customer_segments and the customers per segment, then `fresh: 22 marts
    ...`; the docs, exports and report written."""
    assert "First rows of customer_segments" in output
    tables = shown_tables(output)
    assert len(tables) == 2 and tables[0] == 10 and tables[1] >= 1, output[-3000:]
    assert "fresh: 22 marts hold the data of the raw tables as they are now" in output
    for path in ("target/index.html", "exports/customers_enriched.csv", "reports/index.html"):
        assert (root / path).is_file(), path
    segments_count_the_seeds(root, output)


def every_show_prints_rows(root: Path, output: str) -> None:
    """Each `dbt show` of the block prints rows, not a header alone."""
    tables = shown_tables(output)
    assert len(tables) == 2 and all(tables), output[-3000:]
    segments_count_the_seeds(root, output)


def make_build_data_prints_the_segments(root: Path, output: str) -> None:
    """The first customers and the customers per segment, as for generated data, from every customer
    of the folder; the folder unchanged."""
    tables = shown_tables(output)
    assert len(tables) == 2 and all(tables), output[-3000:]
    folder = root / "path" / "to" / "folder"
    assert segments_totals(root) == export_totals(folder)
    assert sorted(path.name for path in folder.iterdir()) == [
        "customers.csv",
        "order_items.csv",
        "orders.csv",
        "products.csv",
    ]


def list_inputs_prints_the_example(root: Path, output: str) -> None:
    """`--list-inputs` prints demographics,products for a folder with both, as the comment says."""
    assert "demographics,products" in output.splitlines(), output[-3000:]


def your_tables_are_segmented(root: Path, output: str) -> None:
    assert segments_totals(root) == export_totals(EXPORT)


def sqlite3_counts_the_segments(root: Path, output: str) -> None:
    counted = dict(line.split("|") for line in output.splitlines() if "|" in line)
    assert set(counted) == {"High-Value", "Medium-Value", "Low-Value", "No-Orders"}, output
    assert sum(int(count) for count in counted.values()) == csv_rows(root / "seeds" / "customers.csv")


def clusters_start_from_customers(root: Path, output: str) -> None:
    """k-means++ starts every cluster at a customer (the definition picks points), and the fit
    converged; every customer is in one of the clusters."""
    features = ["total_sales_amount_scaled", "number_of_orders_scaled", "average_order_value_scaled"]
    features.append("days_since_last_activity_scaled")
    matches = " and ".join(f"f.{name} = c.initial_{name}" for name in features)
    with sqlite3.connect(root / "warehouse" / "segments.db") as warehouse:
        ((clusters, started_at_customers, converged),) = warehouse.execute(
            "select count(*), sum(exists (select 1 from customer_features as f where"
            f" {matches})), min(converged_at_iteration) from customer_cluster_centroids as c"
        ).fetchall()
        ((clustered, customers),) = warehouse.execute(
            "select (select count(*) from customer_clusters), (select count(*) from customer_features)"
        ).fetchall()
    assert (clusters, started_at_customers) == (4, 4) and converged is not None, output[-3000:]
    assert clustered == customers


def k_evaluation_shows_k_2_to_8(root: Path, output: str) -> None:
    assert shown_tables(output) == [7], output[-3000:]


def backfill_replays_the_days(root: Path, output: str) -> None:
    """The backfill's line names the days it replayed, and the snapshot starts on the first: its rows
    are dated by days of the data, one snapshot a day, the last the last order day."""
    line = next(line for line in output.splitlines() if line.startswith("segment history: 7 day(s), "))
    first, last = line.split(", ")[1].split(" to ")
    with sqlite3.connect(root / "warehouse" / "segments.db") as warehouse:
        dates = warehouse.execute(
            "select min(dbt_valid_from), max(dbt_valid_from) from customer_segment_snapshots"
        ).fetchone()
        last_order = warehouse.execute("select max(order_date) from stg_orders").fetchone()[0]
        current = warehouse.execute(
            "select count(*) from customer_segment_history where is_current = 1"
        ).fetchone()
    warehouse.close()
    assert dates[0] == first and dates[1] <= last == last_order, (dates, line)
    assert current[0] == segments_totals(root)[0]


REFRESH = "python -m seeds_gen --append-day --orders 1000"
CHECKS: dict[tuple[str, str], Callable[[Path, str], None]] = {
    ("README.md", "make build"): make_build_prints_the_segments,
    ("README.md", "make build DATA=path/to/folder"): make_build_data_prints_the_segments,
    ("README.md", "python -m seeds_gen"): every_show_prints_rows,
    ("README.md", "python -m seeds_gen --append-day"): segments_count_the_seeds,
    (
        "README.md",
        'sqlite3 warehouse/segments.db "select customer_segment, count(*) from customer_segments group by 1"',
    ): sqlite3_counts_the_segments,
    ("docs/loading-and-refresh.md", "python -m seeds_gen --customers 10000 --orders 100000"): (
        segments_count_the_seeds
    ),
    ("docs/loading-and-refresh.md", REFRESH): segments_count_the_seeds,
    ("docs/loading-and-refresh.md", "dbt build"): segments_count_the_seeds,
    (
        "docs/clustering.md",
        "dbt build --select customer_cluster_centroids+ --vars '{kmeans_init: kmeans++, kmeans_seed: 7}'",
    ): clusters_start_from_customers,
    ("docs/clustering.md", "dbt show --select cluster_k_evaluation --limit 10"): k_evaluation_shows_k_2_to_8,
    ("docs/your-data.md", "make build DATA=path/to/folder"): make_build_data_prints_the_segments,
    ("docs/segment-history.md", "python -m segments.history --days 7"): backfill_replays_the_days,
    ("docs/your-data.md", "python -m segments.bulk_load --data-dir path/to/folder"): (
        list_inputs_prints_the_example
    ),
    (
        "docs/your-data.md",
        "SEGMENTS_RAW_SCHEMA=raw SEGMENTS_INPUTS=none dbt build --full-refresh --vars"
        " '{raw_tables: {customers: crm_customers, orders: shop_orders}}'",
    ): your_tables_are_segmented,
}


def test_every_block_is_tagged_and_every_exclusion_is_named():
    """Fences are tagged; the excluded blocks are exactly EXCLUDED; every command block that is not
    excluded is on a page a reading runs; every check belongs to a block that runs."""
    untagged = [
        f"{block.page}:{block.line}" for page in PAGES for block in fenced_blocks(page) if not block.tag
    ]
    assert not untagged, f"tag these blocks (sh for commands, text for output): {untagged}"
    blocks = [block for page in PAGES for block in command_blocks(page)]
    excluded = {block.key for block in blocks if block.skip_reason}
    assert excluded - set(EXCLUDED) == set(), "excluded in the docs but not named in EXCLUDED"
    assert set(EXCLUDED) - excluded == set(), "named in EXCLUDED but no longer excluded in the docs"
    read = {page for pages in READINGS.values() for page in pages}
    unread = [str(block) for block in blocks if not block.skip_reason and block.page not in read]
    assert not unread, f"command blocks on pages no reading runs (add the page to READINGS): {unread}"
    running = {block.key for block in blocks if not block.skip_reason}
    assert set(CHECKS) - running == set(), "checks of blocks that no longer run"


def venv_for(root: Path) -> Path:
    """The copy's .venv: the running venv's bin and lib, and the stamps `make` leaves after it
    installed the dependencies, newer than the copy's pyproject.toml and requirements.lock, so make
    installs nothing (it would install the copy into the shared venv)."""
    running = Path(sys.prefix)
    if running == Path(sys.base_prefix):
        pytest.fail("run the tests from the project's virtual environment (make test does)")
    venv = root / ".venv"
    venv.mkdir()
    shutil.copy(running / "pyvenv.cfg", venv / "pyvenv.cfg")
    for name in ("bin", "lib", "lib64", "include"):
        if (running / name).exists():
            (venv / name).symlink_to((running / name).resolve(), target_is_directory=True)
    for stamp in (".installed-runtime", ".installed-dev"):
        (venv / stamp).touch()
    return venv


def user_environment(root: Path, venv: Path) -> dict[str, str]:
    inherited = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("SEGMENTS_")
        and key not in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS", "VIRTUAL_ENV", "PYTHONPATH", "DBT_PROFILES_DIR")
    }
    return {
        **inherited,
        "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "VIRTUAL_ENV": str(venv),
        "DBT_PROFILES_DIR": str(root),
        "PYTHONPATH": str(root),
        "NO_COLOR": "1",
    }


def fresh_clone(root: Path) -> Path:
    """A copy of the project as a clone has it: no generated seeds, warehouse, exports or report."""
    copy_project(root)
    for generated in ("seeds/.seeds_gen.json", "exports", "reports", "test-artifacts", "path"):
        path = root / generated
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    return root


@pytest.mark.parametrize("reading", list(READINGS))
def test_the_commands_of_the_docs_run(reading: str, tmp_path: Path, record_property) -> None:
    root = fresh_clone(tmp_path / "segments")
    env = user_environment(root, venv_for(root))
    blocks = [block for page in READINGS[reading] for block in command_blocks(page) if not block.skip_reason]
    done: set[str] = set()
    timings = []
    for block in blocks:
        for needle, setup in SETUPS:
            if needle in block.text and needle not in done:
                setup(root)
                done.add(needle)
        started = time.monotonic()
        result = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", block.text],
            cwd=root,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            check=False,
        )
        timings.append(f"{time.monotonic() - started:7.1f} s  {block}")
        print(timings[-1])
        assert result.returncode == 0, (
            f"{block} exited {result.returncode}:\n{block.text}\n{result.stdout[-6000:]}"
        )
        check = CHECKS.get(block.key)
        if check:
            check(root, result.stdout)
    record_property("block_seconds", "\n".join(timings))
