"""``python -m publish``: the exports, then the charts, then the report that embeds them."""

from __future__ import annotations

import argparse
from pathlib import Path

from publish.charts import draw_charts
from publish.export import export
from publish.report import write_report
from publish.warehouse import Warehouse, WarehouseError, default_warehouse


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m publish", description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, default=default_warehouse(), help="SQLite warehouse file")
    parser.add_argument("--exports", type=Path, default=Path("exports"), help="exports directory")
    parser.add_argument("--reports", type=Path, default=Path("reports"), help="reports directory")
    args = parser.parse_args(argv)
    try:
        warehouse = Warehouse(args.warehouse)
        written = export(warehouse, args.exports)
        written += draw_charts(warehouse, args.reports / "charts")
        written.append(write_report(warehouse, args.reports / "charts", args.reports / "index.html"))
    except WarehouseError as error:
        parser.exit(1, f"{parser.prog}: error: {error}\n")
    for path in written:
        print(f"wrote {path}")
    return 0


raise SystemExit(main())
