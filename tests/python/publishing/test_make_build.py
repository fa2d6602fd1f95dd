"""`make build` in a copy of the project: seeds, dbt build, docs, then the printed report, all on one
screen; and a failed build naming its failing nodes."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from support import SEGMENT_COLUMNS, DbtProject, copy_project

# One screen: at most this many rows of this many characters (a longer line takes more rows).
SCREEN_ROWS, SCREEN_COLUMNS = 40, 110


def make_uncoloured(project: DbtProject, *args: str) -> subprocess.CompletedProcess[str]:
    """`make ARGS` with its output captured (not a terminal) and without NO_COLOR: no colour codes
    must come from the terminal test alone."""
    argv, env = project.make_command(*args)
    env.pop("NO_COLOR", None)
    return subprocess.run(argv, cwd=project.root, env=env, capture_output=True, text=True, check=False)


def screen_rows(text: str) -> int:
    return sum(max(1, -(-len(line) // SCREEN_COLUMNS)) for line in text.splitlines())


@pytest.fixture(scope="module")
def make_build(tmp_path_factory: pytest.TempPathFactory):
    project = copy_project(tmp_path_factory.mktemp("make-build") / "segments")
    result = make_uncoloured(project, "build")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return project, result.stdout, result.stderr


def test_the_output_fits_one_screen_without_colour_codes(make_build):
    _, output, errors = make_build
    assert screen_rows(output + errors) <= SCREEN_ROWS, output + errors
    assert "\x1b" not in output + errors
    assert "START" not in output  # no dbt progress lines


def test_prints_one_line_per_step(make_build):
    project, output, _ = make_build
    rows = {name: len(project.read_seed(name)) for name in ("customers", "orders", "order_items")}
    seeds = [line for line in output.splitlines() if line.startswith("seeds/ (as of ")]
    assert len(seeds) == 1, output
    for name, count in rows.items():
        assert f" {count:,} {name}" in seeds[0], seeds[0]
    assert re.search(r"^dbt seed: PASS=\d+ WARN=0 ERROR=0 SKIP=0 ", output, re.M), output
    assert re.search(r"^dbt build: PASS=\d+ WARN=0 ERROR=0 SKIP=0 NO-OP=\d+ TOTAL=\d+ \(", output, re.M)
    assert re.search(r"^dbt docs generate: OK \(", output, re.M), output
    assert "Published 22 mart(s) in one transaction" in output
    assert "Docs: target/index.html (make docs serves them). dbt's full log: logs/dbt.log" in output
    assert output.splitlines()[-1].startswith("fresh: 22 marts"), output


def test_keeps_the_full_logs_in_logs(make_build):
    project, _, _ = make_build
    log = (project.root / "logs" / "dbt.log").read_text(encoding="utf-8")
    for line in ("Running with dbt=", "model main.customer_segments", "Done. PASS=", "Catalog written to"):
        assert line in log
    assert "\x1b" not in log
    assert "wrote " in (project.root / "logs" / "seeds_gen.log").read_text(encoding="utf-8")


def test_prints_the_head_of_customer_segments(make_build):
    _, output, _ = make_build
    head = output.split("First rows of customer_segments")[1].split("Customers per segment")[0]
    assert "| " + " | ".join(SEGMENT_COLUMNS) + " |" in head
    rows = re.findall(r"^\|\s+(\d+) \| (Customer [A-Z]+)", head, flags=re.MULTILINE)
    assert [int(customer_id) for customer_id, _ in rows] == list(range(1, 11))


def test_prints_the_count_per_segment_matching_the_warehouse(make_build):
    project, output, _ = make_build
    report = output.split("Customers per segment:")[1]
    printed = dict(
        (segment, int(count))
        for segment, count in re.findall(
            r"^\| (High-Value|Medium-Value|Low-Value|No-Orders)\s+\|\s+(\d+)", report, re.M
        )
    )
    counted = dict(project.query("select customer_segment, count(*) from customer_segments group by 1"))
    assert printed == counted
    assert len(printed) == 4


def test_writes_the_docs_catalog(make_build):
    project, _, _ = make_build
    for artifact in ("manifest.json", "catalog.json", "index.html"):
        assert (project.root / "target" / artifact).is_file()


def test_publishes_the_exports_charts_and_report(make_build):
    project, output, _ = make_build
    for path in (
        "exports/customers_enriched.csv",
        "exports/customers_enriched.xlsx",
        "reports/charts/segments.png",
        "reports/charts/clusters.png",
        "reports/charts/segment_sizes.png",
        "reports/index.html",
    ):
        assert (project.root / path).is_file(), path
        # One line a folder: `wrote exports/customers_enriched.csv, customers_enriched.xlsx`.
        folder, name = path.rsplit("/", 1)
        first = re.compile(rf"wrote {re.escape(folder)}/[^/,]+(,|$)")
        written = [line for line in output.splitlines() if first.match(line)]
        assert len(written) == 1, output
        assert re.search(rf"(^wrote {re.escape(folder)}/|, ){re.escape(name)}(,|$)", written[0]), written[0]


def test_a_failed_build_names_its_failing_nodes_and_the_marts_it_left(make_build, tmp_path: Path):
    """make build's seed and build steps on a refund in the seeds, in a copy of the built project: exit
    non-zero, each failing test with its message and query, then which marts hold the last good build."""
    built, _, _ = make_build
    project = DbtProject(tmp_path / "segments")
    shutil.copytree(built.root, project.root)
    with open(project.root / "seeds" / "orders.csv", "a", encoding="utf-8") as orders:
        orders.write(f"{len(built.read_seed('orders')) + 1},1,2024-12-31,-20.00\n")
    result = make_uncoloured(project, "dbt-seed", "dbt-build")
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "\x1b" not in output and "START" not in output
    assert screen_rows(output) <= SCREEN_ROWS, output
    lines = result.stdout.splitlines()
    assert re.search(r"^dbt build: PASS=\d+ WARN=0 ERROR=[1-9]\d* SKIP=\d+ ", result.stdout, re.M), output
    failing = "  FAIL test stg_orders_amount_is_not_negative__refunds_are_not_supported"
    assert failing in lines, output
    message, query = lines[lines.index(failing) + 1 : lines.index(failing) + 3]
    assert message == "    Got 1 result, configured to fail if != 0", output
    compiled = query.removeprefix("    its query: ")
    assert compiled.endswith("stg_orders_amount_is_not_negative__refunds_are_not_supported.sql"), query
    assert (project.root / compiled).is_file(), compiled
    assert "  The whole log: logs/dbt.log" in lines
    assert lines[-1].startswith("stale: ") and "customer_segments" in lines[-1], output
