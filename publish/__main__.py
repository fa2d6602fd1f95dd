"""``python -m publish``: the exports, then the charts, then the report that embeds them."""

from __future__ import annotations

import argparse
from pathlib import Path

from publish.charts import draw_charts
from publish.cli import run
from publish.export import export
from publish.report import write_report
from publish.warehouse import Warehouse


def publish_all(warehouse: Warehouse, args: argparse.Namespace) -> list[Path]:
    charts = args.reports / "charts"
    written = export(warehouse, args.exports) + draw_charts(warehouse, charts, args.marts)
    return [*written, write_report(warehouse, charts, args.reports / "index.html", args.marts)]


raise SystemExit(
    run(
        "python -m publish",
        __doc__.splitlines()[0],
        {"--exports": ("exports", "exports directory"), "--reports": ("reports", "reports directory")},
        publish_all,
    )
)
