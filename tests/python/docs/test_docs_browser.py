"""The static dbt docs, used the way a person uses them, in a real headless Chromium:
search for customer_segments, open it, open its lineage graph, and read what the graph shows."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright
from support import CHROMIUM_FLAGS, REPO

MODEL_ID = "model.segments.customer_segments"
UPSTREAM = {
    "source.segments.shop.customers": "shop.customers",
    "source.segments.shop.orders": "shop.orders",
    "model.segments.stg_customers": "stg_customers",
    "model.segments.stg_orders": "stg_orders",
    "model.segments.int_customer_order_totals": "int_customer_order_totals",
}
DOWNSTREAM = {
    "model.segments.customer_segment_summary": "customer_segment_summary",
    "exposure.segments.make_build_report": "make build report",
}
EDGES = {
    ("source.segments.shop.customers", "model.segments.stg_customers"),
    ("source.segments.shop.orders", "model.segments.stg_orders"),
    # depends_on: the checks of orders against customers run before anything built from orders.
    ("model.segments.stg_customers", "model.segments.stg_orders"),
    ("model.segments.stg_customers", MODEL_ID),
    ("model.segments.stg_orders", "model.segments.int_customer_order_totals"),
    ("model.segments.int_customer_order_totals", MODEL_ID),
    (MODEL_ID, "exposure.segments.make_build_report"),
    (MODEL_ID, "model.segments.customer_segment_summary"),
}
# cytoscape keeps its instance on the container element; these read the rendered graph.
VISIBLE_NODES_JS = """() => document.getElementById('cy')._cyreg.cy.nodes()
    .filter(n => n.visible()).map(n => [n.id(), n.data('label')])"""
VISIBLE_EDGES_JS = """() => document.getElementById('cy')._cyreg.cy.edges()
    .filter(e => e.visible()).map(e => [e.source().id(), e.target().id()])"""


def screenshot_path() -> Path:
    path = Path(os.environ.get("SEGMENTS_SCREENSHOT", REPO / "test-artifacts" / "docs-lineage-graph.png"))
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def static_docs(built_project) -> Path:
    result = built_project.dbt("docs", "generate", "--static")
    assert result.returncode == 0, result.stdout[-3000:]
    return built_project.root / "target" / "static_index.html"


@pytest.fixture(scope="module")
def page(static_docs: Path):
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("chromium is not installed: `make browser` installs Debian's package")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.set_default_timeout(30_000)
        page.goto(static_docs.as_uri())
        yield page
        browser.close()


@pytest.fixture(scope="module")
def lineage(page: Page) -> tuple[dict[str, str], set[tuple[str, str]]]:
    """Search, open the model, open its lineage graph full screen; return what the graph shows."""
    page.locator("#search").fill("customer_segments")
    page.locator(f'.search-result[href="#!/model/{MODEL_ID}"]').click()
    page.wait_for_url(f"**#!/model/{MODEL_ID}*")
    page.locator("h1", has_text="customer_segments").first.wait_for()

    page.get_by_title("View Lineage Graph").click()
    page.get_by_title("View Fullscreen").first.click()
    page.wait_for_function(
        "() => { const c = document.getElementById('cy'); return c && c._cyreg && c._cyreg.cy"
        " && c._cyreg.cy.nodes().filter(n => n.visible()).length > 1; }"
    )
    page.mouse.move(700, 450)  # away from the toolbar, so no tooltip covers the graph
    page.wait_for_timeout(500)  # let the layout animation settle before the screenshot
    page.screenshot(path=screenshot_path())
    nodes = dict(page.evaluate(VISIBLE_NODES_JS))
    edges = {tuple(edge) for edge in page.evaluate(VISIBLE_EDGES_JS)}
    return nodes, edges


def test_model_page_shows_the_segment_rules(page, lineage):
    text = page.locator(".app-body, body").first.inner_text()
    for segment in ("High-Value", "Medium-Value", "Low-Value", "No-Orders"):
        assert segment in text


def test_lineage_graph_is_centred_on_customer_segments(lineage):
    nodes, _ = lineage
    assert nodes.get(MODEL_ID) == "customer_segments"


def test_lineage_graph_shows_upstream_models_and_sources_by_name(lineage):
    nodes, _ = lineage
    for node_id, label in UPSTREAM.items():
        assert nodes.get(node_id) == label, f"{label} missing from the lineage graph"


def test_lineage_graph_shows_the_downstream_summary_and_exposure(lineage):
    nodes, _ = lineage
    for node_id, label in DOWNSTREAM.items():
        assert nodes.get(node_id) == label, f"{label} missing from the lineage graph"


def test_lineage_graph_draws_every_edge_from_source_to_consumer(lineage):
    _, edges = lineage
    missing = EDGES - edges
    assert not missing, f"edges missing from the lineage graph: {sorted(missing)}"


def test_screenshot_was_saved(lineage):
    path = screenshot_path()
    assert path.stat().st_size > 10_000
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
