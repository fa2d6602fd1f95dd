"""`make build` in a copy of the project: seeds, dbt build, docs, then the printed report."""

from __future__ import annotations

import re

import pytest
from support import SEGMENT_COLUMNS, copy_project


@pytest.fixture(scope="module")
def make_build(tmp_path_factory: pytest.TempPathFactory):
    project = copy_project(tmp_path_factory.mktemp("make-build") / "segments")
    result = project.make("build")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return project, result.stdout


def test_prints_the_head_of_customer_segments(make_build):
    _, output = make_build
    head = output.split("First rows of customer_segments")[1].split("Customers per segment")[0]
    assert "| " + " | ".join(SEGMENT_COLUMNS) + " |" in head
    rows = re.findall(r"^\|\s+(\d+) \| (Customer [A-Z]+)", head, flags=re.MULTILINE)
    assert [int(customer_id) for customer_id, _ in rows] == list(range(1, 11))


def test_prints_the_count_per_segment_matching_the_warehouse(make_build):
    project, output = make_build
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
    project, _ = make_build
    for artifact in ("manifest.json", "catalog.json", "index.html"):
        assert (project.root / "target" / artifact).is_file()


def test_publishes_the_exports_charts_and_report(make_build):
    project, output = make_build
    for path in (
        "exports/customers_enriched.csv",
        "exports/customers_enriched.xlsx",
        "reports/charts/segments.png",
        "reports/charts/clusters.png",
        "reports/index.html",
    ):
        assert (project.root / path).is_file(), path
        assert f"wrote {path}" in output
