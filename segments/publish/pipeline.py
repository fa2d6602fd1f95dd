"""``python -m segments.publish`` (console script: segments-publish): the exports, then the charts,
then the report that embeds them."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from segments.publish.charts import draw_charts
from segments.publish.cli import run
from segments.publish.export import export
from segments.publish.report import write_report
from segments.warehouse import Warehouse


def publish_all(warehouse: Warehouse, args: argparse.Namespace) -> list[Path]:
    charts = args.reports / "charts"
    written = export(warehouse, args.exports) + draw_charts(warehouse, charts, args.marts, args.currency)
    report = write_report(warehouse, charts, args.reports / "index.html", args.marts, args.currency)
    return [*written, report]


def main(argv: Sequence[str] | None = None) -> int:
    return run(
        "python -m segments.publish",
        "python -m segments.publish: the exports, then the charts, then the report that embeds them",
        {"--exports": ("exports", "exports directory"), "--reports": ("reports", "reports directory")},
        publish_all,
        argv,
        currency=True,
    )
