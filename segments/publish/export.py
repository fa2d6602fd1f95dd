"""Reverse ETL: ``python -m segments.publish.export`` writes exports/customers_enriched.csv and .xlsx.

One row per customer, in customer_id order (docs/exports-and-report.md, "Exports"):
customer_id, customer_name, customer_segment, total_sales_amount, number_of_orders,
recency_days, r_score, f_score, m_score, rfm_segment, cluster_id, cluster_label, is_vip.
Text that a spreadsheet would run as a formula is neutralised with a leading apostrophe.
Control characters a spreadsheet cannot hold (U+0000-U+0008, U+000B, U+000C, U+000E-U+001F: what
openpyxl's ILLEGAL_CHARACTERS_RE matches; tab, line feed and carriage return are kept) are each
replaced with U+FFFD, the replacement character, in both files alike: the .xlsx could not be
written with them, and the CSV holds the same cells as the workbook.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from segments.atomic_files import replace_atomically
from segments.publish.cli import run
from segments.warehouse import Warehouse

COLUMNS = [
    "customer_id",
    "customer_name",
    "customer_segment",
    "total_sales_amount",
    "number_of_orders",
    "recency_days",
    "r_score",
    "f_score",
    "m_score",
    "rfm_segment",
    "cluster_id",
    "cluster_label",
    "is_vip",
]
# Whole numbers that are NULL for customers without orders: kept whole, not turned into floats.
NULLABLE_INTEGERS = ["recency_days", "r_score", "f_score", "m_score"]
# A cell starting with one of these is a formula (or becomes one) in Excel, LibreOffice, Sheets.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Shown where a character a spreadsheet cannot hold was: replaced, not dropped, so "Ann\x0bLee"
# does not become "AnnLee", and the reader sees that something was there.
REPLACEMENT = "\ufffd"


def spreadsheet_safe(value: object) -> object:
    """Text with each control character a workbook cannot hold replaced with U+FFFD, and a formula
    neutralised; anything else is returned as is."""
    if isinstance(value, str):
        return neutralise(ILLEGAL_CHARACTERS_RE.sub(REPLACEMENT, value))
    return value


def neutralise(value: object) -> object:
    """Text that starts like a formula gets a leading apostrophe; anything else is returned as is."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def customers_enriched(warehouse: Warehouse) -> pd.DataFrame:
    frame = warehouse.read(f"select {', '.join(COLUMNS)} from customer_profiles order by customer_id")
    text = frame.select_dtypes(include=["object", "string"]).columns
    frame[text] = frame[text].map(spreadsheet_safe)
    return frame.astype({column: "Int64" for column in NULLABLE_INTEGERS})


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, lineterminator="\n", encoding="utf-8", float_format="%.2f")


def write_xlsx(frame: pd.DataFrame, path: Path) -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("customers_enriched")
    sheet.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        cells = []
        for value in row:
            if pd.isna(value):
                cells.append(None)
            elif isinstance(value, str):
                cells.append(value)
            else:
                cells.append(value.item() if hasattr(value, "item") else value)
        sheet.append(cells)
    workbook.save(path)


def export(warehouse: Warehouse, out_dir: Path) -> list[Path]:
    frame = customers_enriched(warehouse)
    targets = {
        out_dir / "customers_enriched.csv": lambda path: write_csv(frame, path),
        out_dir / "customers_enriched.xlsx": lambda path: write_xlsx(frame, path),
    }
    replace_atomically(targets)
    return list(targets)


def main(argv: list[str] | None = None) -> int:
    return run(
        "python -m segments.publish.export",
        __doc__.splitlines()[0],
        {"--out": ("exports", "output directory")},
        lambda warehouse, args: export(warehouse, args.out),
        argv,
    )


if __name__ == "__main__":
    raise SystemExit(main())
