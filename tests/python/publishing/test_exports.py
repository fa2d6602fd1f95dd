"""Exports, charts and the report, read from a built warehouse: complete, correct, safe to open
in a spreadsheet, and replaced atomically."""

from __future__ import annotations

import csv
import html
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook
from support import AS_OF, REPO, copy_project, run_module

import segments.publish.export as export_module
from segments.publish.export import COLUMNS, FORMULA_TRIGGERS, export, neutralise, spreadsheet_safe
from segments.warehouse import Warehouse

INJECTION = '=HYPERLINK("http://x","y")'
# Control characters a workbook cannot hold (\x01, \x0b, \x1f) and one it can (a tab).
CONTROL_NAME = "Ann\x01Lee\x0bSmith\x1f\tJr"
PNG = b"\x89PNG\r\n\x1a\n"


def run_publish(warehouse: Path, exports: Path, reports: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "segments.publish",
            "--warehouse",
            str(warehouse),
            "--exports",
            str(exports),
            "--reports",
            str(reports),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="module")
def published(built_project, tmp_path_factory):
    out = tmp_path_factory.mktemp("published")
    result = run_publish(built_project.warehouse, out / "exports", out / "reports")
    assert result.returncode == 0, result.stderr
    return built_project, out


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as stream:
        return list(csv.DictReader(stream))


def test_export_has_the_documented_columns_and_one_row_per_customer(published):
    project, out = published
    rows = read_csv(out / "exports" / "customers_enriched.csv")
    assert list(rows[0]) == COLUMNS
    expected = project.query(f"select {', '.join(COLUMNS)} from customer_profiles order by customer_id")
    assert len(rows) == len(expected)
    for row, want in zip(rows, expected, strict=True):
        assert int(row["customer_id"]) == want[0]
        assert row["customer_segment"] == want[2]
        assert row["total_sales_amount"] == f"{want[3]:.2f}"
        assert row["rfm_segment"] == (want[9] or "")
        assert row["r_score"] == ("" if want[6] is None else str(want[6]))
        assert int(row["is_vip"]) == want[12]


def test_xlsx_holds_the_same_cells_and_no_formula(published):
    _, out = published
    rows = read_csv(out / "exports" / "customers_enriched.csv")
    sheet = load_workbook(out / "exports" / "customers_enriched.xlsx").active
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == COLUMNS
    assert len(values) == len(rows) + 1
    for cells, row in zip(values[1:], rows, strict=True):
        assert [("" if cell is None else str(cell)) for cell in cells][:3] == [row[c] for c in COLUMNS[:3]]
    assert all(cell.data_type != "f" for line in sheet.iter_rows() for cell in line)


@pytest.mark.parametrize("prefix", FORMULA_TRIGGERS)
def test_every_formula_trigger_is_neutralised(prefix):
    assert neutralise(prefix + "SUM(A1:A9)") == "'" + prefix + "SUM(A1:A9)"
    assert neutralise("Customer A") == "Customer A"
    assert neutralise(-5) == -5  # numbers are numbers, not text


def test_a_formula_in_a_customer_name_is_neutralised_in_both_files(tmp_path):
    project = copy_project(tmp_path / "segments")
    assert project.generate().returncode == 0
    seed = project.root / "seeds" / "customers.csv"
    rows = list(csv.DictReader(seed.open(newline="", encoding="utf-8")))
    rows[0]["customer_name"] = INJECTION
    with seed.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    result = project.seed_and_build()
    assert result.returncode == 0, result.stdout[-3000:]
    assert project.query("select customer_name from customer_profiles where customer_id = 1") == [
        (INJECTION,)
    ]

    export(Warehouse(project.warehouse), tmp_path / "exports")
    exported = read_csv(tmp_path / "exports" / "customers_enriched.csv")
    assert exported[0]["customer_name"] == "'" + INJECTION
    cell = load_workbook(tmp_path / "exports" / "customers_enriched.xlsx").active["B2"]
    assert cell.value == "'" + INJECTION
    assert cell.data_type == "s"


def test_control_characters_become_replacement_characters_in_both_files(published, tmp_path):
    """openpyxl refuses them (IllegalCharacterError): each becomes U+FFFD, in the CSV as in the
    workbook, so the two files hold the same cells; a tab stays."""
    project, _ = published
    warehouse = tmp_path / "segments.db"
    shutil.copy(project.warehouse, warehouse)
    with sqlite3.connect(warehouse) as connection:
        connection.execute(
            "update customer_profiles set customer_name = ? where customer_id = 1", (CONTROL_NAME,)
        )
        connection.execute("update customer_profiles set customer_name = '\x02=1+1' where customer_id = 2")
    result = run_publish(warehouse, tmp_path / "exports", tmp_path / "reports")
    assert result.returncode == 0, result.stderr

    expected = ["Ann\ufffdLee\ufffdSmith\ufffd\tJr", "\ufffd=1+1"]
    exported = read_csv(tmp_path / "exports" / "customers_enriched.csv")
    assert [row["customer_name"] for row in exported[:2]] == expected
    sheet = load_workbook(tmp_path / "exports" / "customers_enriched.xlsx").active
    assert [sheet["B2"].value, sheet["B3"].value] == expected
    assert spreadsheet_safe("\x00=SUM(A1)") == "\ufffd=SUM(A1)"
    assert spreadsheet_safe("\r=SUM(A1)") == "'\r=SUM(A1)"  # legal, but a formula trigger


def test_a_failed_export_leaves_the_previous_files(published, monkeypatch, tmp_path):
    project, _ = published
    warehouse = Warehouse(project.warehouse)
    export(warehouse, tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    def disk_full(frame, path):
        path.write_bytes(b"PK\x03\x04 half a workbook")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export_module, "write_xlsx", disk_full)
    with pytest.raises(OSError, match="No space left"):
        export(warehouse, tmp_path)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_charts_are_pngs(published):
    _, out = published
    charts = sorted((out / "reports" / "charts").iterdir())
    assert [c.name for c in charts] == sorted(
        [
            "top_products_revenue.png",
            "top_products_sentiment.png",
            "segments.png",
            "monthly_revenue_by_region.png",
            "clusters.png",
            "cluster_k_evaluation.png",
            "segment_sizes.png",
        ]
    )
    for chart in charts:
        data = chart.read_bytes()
        assert data.startswith(PNG) and len(data) > 10_000, chart.name


def test_report_is_self_contained_and_reads_its_numbers_from_the_warehouse(published):
    project, out = published
    page = (out / "reports" / "index.html").read_text(encoding="utf-8")
    assert page.count('src="data:image/png;base64,') == 7
    assert not re.search(r'(src|href)="(https?:|//)', page), "the report must not load anything from outside"
    ((customers, orders),) = project.query("select count(*), sum(number_of_orders) from customer_profiles")
    assert f"{customers} customers placed {orders} orders" in page
    ((vips,),) = project.query("select sum(is_vip) from customer_vip")
    assert f"{vips} customers are VIPs" in page
    for segment, count in project.query("select customer_segment, number_of_customers from segment_profiles"):
        if count:
            assert f"<b>{segment}</b>: {count} customers" in page
    for label, count in project.query(
        "select cluster_label, number_of_customers from customer_cluster_profiles"
    ):
        assert f"<b>{label}</b>: {count} customers" in page
    for (name,) in project.query("select product_name from top_products_last_quarter"):
        assert name in page


def section(page: str, heading: str) -> str:
    """The page from `heading` to the next heading of level 2 or 3."""
    start = page.index(heading)
    following = re.search(r"<h[23][ >]", page[start + len(heading) :])
    return page[start : start + len(heading) + following.start()] if following else page[start:]


def test_report_states_the_as_of_date_thresholds_and_currency_at_the_top(published):
    """The as-of date the build used and the thresholds of dbt_project.yml, as segment_definitions
    holds them, before the first section; no currency is set by default."""
    project, out = published
    page = (out / "reports" / "index.html").read_text(encoding="utf-8")
    top = page[: page.index("<h2>Value segments</h2>")]
    ((as_of,),) = project.query("select distinct as_of_date from segment_definitions")
    assert as_of == AS_OF  # the build's SEGMENTS_AS_OF
    assert f'<dd id="as-of-date">{AS_OF}</dd>' in top
    assert '<dd id="currency">no currency set' in top
    variables = yaml.safe_load((project.root / "dbt_project.yml").read_text())["vars"]
    high = f"{float(variables['high_value_threshold']):.2f}"
    medium = f"{float(variables['medium_value_threshold']):.2f}"
    rules = project.query(
        "select customer_segment, segment_rule from segment_definitions order by segment_rank"
    )
    assert [segment for segment, _ in rules] == ["High-Value", "Medium-Value", "Low-Value", "No-Orders"]
    assert rules[0][1] == f"more than {high}" and rules[1][1] == f"{medium} to {high}"
    cells = re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td></tr>", section(top, "Segment thresholds"))
    assert cells == rules


def test_report_headers_are_words_and_categories_follow_the_segment_order(published):
    project, out = published
    page = (out / "reports" / "index.html").read_text(encoding="utf-8")
    headers = re.findall(r"<th[^>]*>([^<]*)</th>", page)
    assert "Number of customers" in headers and "Total sales amount" in headers
    assert not [header for header in headers if "_" in header], headers
    categories = section(page, "Favourite categories per segment")
    rows = re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td>", categories)
    shown = [(html.unescape(segment), html.unescape(category)) for segment, category in rows]
    expected = project.query(
        "select preferences.customer_segment, preferences.category from segment_category_preferences"
        " as preferences inner join segment_definitions as definitions"
        " on preferences.customer_segment = definitions.customer_segment"
        " where preferences.category_rank_in_segment <= 3"
        " order by definitions.segment_rank, preferences.category_rank_in_segment"
    )
    assert shown == expected
    segments_in_order = list(dict.fromkeys(segment for segment, _ in shown))
    assert segments_in_order == [
        s for s in ("High-Value", "Medium-Value", "Low-Value") if s in segments_in_order
    ]


def test_report_clusters_are_described_by_the_four_features_not_the_segments(published):
    project, out = published
    page = (out / "reports" / "index.html").read_text(encoding="utf-8")
    clusters = section(page, "<h2>Clusters</h2>")
    for feature in (
        "total_sales_amount",
        "number_of_orders",
        "average_order_value",
        "days_since_last_activity",
    ):
        assert f"<code>{feature}</code>" in clusters
    labels = [label for (label,) in project.query("select cluster_label from customer_cluster_profiles")]
    for label in labels:
        (sentence,) = re.findall(rf"<li><b>{label}</b>: (.*?)</li>", clusters)
        assert "per order" in sentence and "last active" in sentence
        assert not re.search(r"\b(high|medium|low|value|tier)\b", f"{label} {sentence}", re.IGNORECASE), (
            sentence
        )


def test_report_shows_the_currency_given(published, tmp_path):
    project, out = published
    result = run_module(
        "segments.publish.report",
        "--warehouse",
        str(project.warehouse),
        "--charts",
        str(out / "reports" / "charts"),
        "--out",
        str(tmp_path / "index.html"),
        "--currency",
        "EUR",
    )
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert '<dd id="currency">EUR</dd>' in page
    assert "Total sales amount (EUR)" in re.findall(r"<th[^>]*>([^<]*)</th>", page)


def test_publishing_without_a_warehouse_says_so(tmp_path):
    result = run_publish(tmp_path / "missing.db", tmp_path / "e", tmp_path / "r")
    assert result.returncode == 1
    assert "no warehouse at" in result.stderr and "make build" in result.stderr
    assert not (tmp_path / "e").exists()
