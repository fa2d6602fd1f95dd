"""A self-contained HTML report: ``python -m segments.publish.report`` writes reports/index.html.

Every number is read from the warehouse when the report is built; the charts are embedded as
base64 PNGs, so the file opens anywhere without its folder.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path

import pandas as pd

from segments.atomic_files import replace_atomically
from segments.publish.charts import charts_available
from segments.publish.cli import run
from segments.publish.status import OPTIONAL_MARTS, available_marts
from segments.warehouse import Warehouse

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; color: #222; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: right; }
th { background: #f0f0f0; } td:first-child, th:first-child { text-align: left; }
img { max-width: 100%; border: 1px solid #eee; margin: 0.5em 0; }
.note { color: #555; font-style: italic; }
"""


def money(value: float | None) -> str:
    return "—" if value is None or pd.isna(value) else f"{value:,.2f}"


def share(value: float | None) -> str:
    return "—" if value is None or pd.isna(value) else f"{value * 100:.1f}%"


def number(places: int):
    """A formatter for a possibly missing number with a fixed count of decimals."""
    return lambda value: "—" if value is None or pd.isna(value) else f"{value:.{places}f}"


def text(value: object) -> str:
    return (
        "—" if value is None or (not isinstance(value, str) and pd.isna(value)) else html.escape(str(value))
    )


def table(frame: pd.DataFrame, formats: dict[str, object] | None = None) -> str:
    formats = formats or {}
    head = "".join(f"<th>{html.escape(column)}</th>" for column in frame.columns)
    rows = []
    for record in frame.to_dict("records"):
        cells = "".join(f"<td>{formats.get(key, text)(value)}</td>" for key, value in record.items())
        rows.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def image(charts_dir: Path, name: str, alt: str) -> str:
    encoded = base64.b64encode((charts_dir / name).read_bytes()).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{encoded}">'


def segment_bullets(profiles: pd.DataFrame) -> str:
    items = []
    for p in profiles.to_dict("records"):
        if not p["number_of_customers"]:
            items.append(f"<li><b>{text(p['customer_segment'])}</b>: no customers.</li>")
            continue
        age = number(1)(p["average_age"])
        favourite = (
            f"; favourite category {text(p['favourite_category'])}"
            if isinstance(p["favourite_category"], str)
            else ""
        )
        items.append(
            f"<li><b>{text(p['customer_segment'])}</b>: {p['number_of_customers']} customers, "
            f"{money(p['total_sales_amount'])} in sales over {p['number_of_orders']} orders "
            f"(average order {money(p['average_order_value'])}); average age {age}; "
            f"{share(p['share_female'])} female, {share(p['share_male'])} male, "
            f"{share(p['share_non_binary'])} non-binary; mostly from {text(p['top_region'])}{favourite}.</li>"
        )
    return "<ul>" + "".join(items) + "</ul>"


def cluster_bullets(clusters: pd.DataFrame) -> str:
    items = [
        f"<li><b>{text(c['cluster_label'])}</b> (cluster {c['cluster_id']}): "
        f"{c['number_of_customers']} customers "
        f"({share(c['share_of_customers'])}), mean spend {money(c['mean_total_sales_amount'])}, "
        f"{c['mean_number_of_orders']:.1f} orders on average, last active "
        f"{c['mean_days_since_last_activity']:.0f} days before the as-of date on average.</li>"
        for c in clusters.to_dict("records")
    ]
    return "<ul>" + "".join(items) + "</ul>"


def left_out(what: str, mart: str) -> str:
    """The note that stands for a section whose mart (of an optional input) is not there."""
    optional_input = OPTIONAL_MARTS[mart]
    return (
        f'<p class="note">Left out: {html.escape(what)}. It needs <code>{mart}</code>, a mart of the'
        f" optional input <code>{optional_input}</code>, which is not loaded (SEGMENTS_INPUTS) or not"
        " built.</p>"
    )


def value_segments(warehouse: Warehouse, marts: set[str]) -> str:
    if "segment_profiles" not in marts:
        summary = warehouse.read(
            "select customer_segment, number_of_customers, share_of_customers, total_sales_amount,"
            " share_of_sales from customer_segment_summary order by segment_rank"
        )
        formats = {"share_of_customers": share, "total_sales_amount": money, "share_of_sales": share}
        return table(summary, formats) + left_out(
            "the segments' profiles (age, gender mix, regions, average order, favourite category)",
            "segment_profiles",
        )
    profiles = warehouse.read("select * from segment_profiles order by segment_rank")
    columns = [
        "customer_segment",
        "number_of_customers",
        "average_age",
        "top_region",
        "number_of_orders",
        "total_sales_amount",
        "average_order_value",
        "favourite_category",
    ]
    formats = {"total_sales_amount": money, "average_order_value": money, "average_age": number(1)}
    return segment_bullets(profiles) + table(profiles[columns], formats)


def favourite_categories(warehouse: Warehouse, marts: set[str]) -> str:
    if "segment_category_preferences" not in marts:
        return left_out("each segment's favourite categories", "segment_category_preferences")
    preferences = warehouse.read(
        "select customer_segment, category, revenue_amount, share_of_segment_revenue"
        " from segment_category_preferences where category_rank_in_segment <= 3"
        " order by customer_segment, category_rank_in_segment"
    )
    return table(preferences, {"revenue_amount": money, "share_of_segment_revenue": share})


def top_products(warehouse: Warehouse, marts: set[str], charts: dict[str, str]) -> str:
    if "top_products_last_quarter" not in marts:
        return "<h2>Top products</h2>\n" + left_out(
            "last quarter's top products, their revenue and sentiment", "top_products_last_quarter"
        )
    top = warehouse.read(
        "select revenue_rank, product_name, category, units_sold, revenue_amount,"
        " average_sentiment_score, average_rating, quarter_start_date, quarter_end_date"
        " from top_products_last_quarter order by revenue_rank"
    )
    quarter = f"{top['quarter_start_date'].iloc[0]} to {top['quarter_end_date'].iloc[0]}" if len(top) else "—"
    formats = {"revenue_amount": money, "average_sentiment_score": number(3), "average_rating": number(2)}
    return (
        f"<h2>Top products, {quarter}</h2>\n"
        f"{charts['top_products_revenue.png']}\n{charts['top_products_sentiment.png']}\n"
        + table(top.drop(columns=["quarter_start_date", "quarter_end_date"]), formats)
    )


def regional_sales(marts: set[str], charts: dict[str, str]) -> str:
    if "regional_monthly_sales" not in marts:
        return left_out("monthly revenue by region", "regional_monthly_sales")
    return charts["monthly_revenue_by_region.png"]


def build_report(warehouse: Warehouse, charts_dir: Path, marts: set[str] | None = None) -> str:
    """The page; `marts`: those there to publish (default: those in the warehouse). A section
    whose mart of an optional input is not there is left out with a note."""
    marts = available_marts(warehouse) if marts is None else marts
    totals = warehouse.read(
        "select count(*) as customers, sum(number_of_orders) as orders, sum(total_sales_amount) as sales,"
        " sum(is_vip) as vips from customer_profiles"
    ).iloc[0]
    clusters = warehouse.read("select * from customer_cluster_profiles order by spend_rank")
    vip = warehouse.read(
        "select vip.is_vip, count(*) as number_of_customers,"
        " avg(features.total_sales_amount) as mean_total_sales_amount,"
        " avg(features.number_of_orders) as mean_number_of_orders"
        " from customer_vip as vip inner join customer_features as features"
        " on vip.customer_id = features.customer_id group by vip.is_vip order by vip.is_vip desc"
    )
    charts = {
        name: image(charts_dir, name, name.removesuffix(".png").replace("_", " "))
        for name in charts_available(marts)
    }
    customers, orders, sales = int(totals["customers"]), int(totals["orders"]), money(totals["sales"])
    headline = f"{customers} customers placed {orders} orders worth {sales}"
    vip_rows = vip.assign(is_vip=vip["is_vip"].map({1: "VIP", 0: "not VIP"}))
    cluster_columns = [
        "cluster_label",
        "number_of_customers",
        "share_of_customers",
        "mean_total_sales_amount",
        "mean_number_of_orders",
        "mean_average_order_value",
        "mean_days_since_last_activity",
    ]
    cluster_formats = {
        "share_of_customers": share,
        "mean_total_sales_amount": money,
        "mean_average_order_value": money,
        "mean_number_of_orders": number(2),
        "mean_days_since_last_activity": number(1),
    }
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>segments report</title><style>{STYLE}</style></head>
<body>
<h1>Customer segments report</h1>
<ul>
<li>{headline}.</li>
<li>{int(totals["vips"])} customers are VIPs (K-means, k = 2).</li>
</ul>
<h2>Value segments</h2>
{charts["segments.png"]}
{value_segments(warehouse, marts)}
<h3>Favourite categories per segment (top three by revenue)</h3>
{favourite_categories(warehouse, marts)}
<h2>Clusters</h2>
{charts["clusters.png"]}
{cluster_bullets(clusters)}
{table(clusters[cluster_columns], cluster_formats)}
<h3>VIP customers</h3>
{table(vip_rows, {"mean_total_sales_amount": money, "mean_number_of_orders": number(2)})}
{top_products(warehouse, marts, charts)}
<h2>Sales by region and month</h2>
{regional_sales(marts, charts)}
</body></html>
"""


def write_report(warehouse: Warehouse, charts_dir: Path, out: Path, marts: set[str] | None = None) -> Path:
    page = build_report(warehouse, charts_dir, marts)
    replace_atomically({out: lambda path: path.write_text(page, encoding="utf-8")})
    return out


def main(argv: list[str] | None = None) -> int:
    return run(
        "python -m segments.publish.report",
        __doc__.splitlines()[0],
        {
            "--charts": ("reports/charts", "where the charts are"),
            "--out": ("reports/index.html", "the report file"),
        },
        lambda warehouse, args: [write_report(warehouse, args.charts, args.out, args.marts)],
        argv,
    )


if __name__ == "__main__":
    raise SystemExit(main())
