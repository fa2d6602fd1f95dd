"""PNG charts from the warehouse: ``python -m segments.publish.charts`` writes them to reports/charts/."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from segments.atomic_files import replace_atomically
from segments.publish.cli import run
from segments.publish.status import available_marts
from segments.warehouse import Warehouse

DPI = 110
# PNG metadata would otherwise carry the matplotlib version: the same data gives the same bytes.
PNG_METADATA = {"Software": None}


def top_products_revenue(warehouse: Warehouse) -> Figure:
    data = warehouse.read(
        "select product_name, revenue_amount, quarter_start_date, quarter_end_date"
        " from top_products_last_quarter order by revenue_rank"
    )
    figure, axes = plt.subplots(figsize=(8, 4.5))
    axes.bar(data["product_name"], data["revenue_amount"], color="#2e7d32")
    period = (
        f"{data['quarter_start_date'].iloc[0]} to {data['quarter_end_date'].iloc[0]}" if len(data) else ""
    )
    axes.set_title(f"Top products by revenue, {period}")
    axes.set_ylabel("revenue")
    axes.tick_params(axis="x", rotation=20)
    return figure


def top_products_sentiment(warehouse: Warehouse) -> Figure:
    data = warehouse.read(
        "select product_name, average_sentiment_score, average_rating"
        " from top_products_last_quarter order by revenue_rank"
    )
    figure, axes = plt.subplots(figsize=(8, 4.5))
    axes.plot(data["product_name"], data["average_sentiment_score"], marker="o", color="#1565c0")
    axes.axhline(0, color="#999999", linewidth=0.8)
    axes.set_ylim(-1, 1)
    axes.set_title("Average sentiment of last quarter's top products (-1 to 1)")
    axes.set_ylabel("average sentiment score")
    axes.tick_params(axis="x", rotation=20)
    return figure


def segments(warehouse: Warehouse) -> Figure:
    data = warehouse.read(
        "select customer_segment, number_of_customers, total_sales_amount"
        " from customer_segment_summary order by segment_rank"
    )
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4.5))
    left.bar(data["customer_segment"], data["number_of_customers"], color="#1565c0")
    left.set_title("Customers per segment")
    right.bar(data["customer_segment"], data["total_sales_amount"], color="#2e7d32")
    right.set_title("Sales per segment")
    for axes in (left, right):
        axes.tick_params(axis="x", rotation=15)
    return figure


def monthly_revenue_by_region(warehouse: Warehouse) -> Figure:
    data = warehouse.read(
        "select region, month_start_date, revenue_amount"
        " from regional_monthly_sales order by month_start_date"
    )
    pivot = data.pivot_table(
        index="month_start_date", columns="region", values="revenue_amount", fill_value=0
    )
    figure, axes = plt.subplots(figsize=(10, 4.5))
    for region in pivot.columns:
        axes.plot(pivot.index, pivot[region], label=region)
    axes.set_title("Monthly revenue by region")
    axes.set_ylabel("revenue")
    step = max(len(pivot.index) // 12, 1)
    axes.set_xticks(range(0, len(pivot.index), step), pivot.index[::step], rotation=45, ha="right")
    axes.legend(fontsize="small")
    return figure


def clusters(warehouse: Warehouse) -> Figure:
    data = warehouse.read(
        "select features.total_sales_amount_scaled, features.number_of_orders_scaled,"
        " profiles.cluster_label, profiles.spend_rank"
        " from customer_features as features"
        " inner join customer_clusters as clusters on features.customer_id = clusters.customer_id"
        " inner join customer_cluster_profiles as profiles on clusters.cluster_id = profiles.cluster_id"
        " order by profiles.spend_rank, features.customer_id"
    )
    figure, axes = plt.subplots(figsize=(7, 6))
    for label, group in data.groupby("cluster_label", sort=False):
        axes.scatter(group["total_sales_amount_scaled"], group["number_of_orders_scaled"], s=14, label=label)
    axes.set_xlabel("total sales amount (scaled)")
    axes.set_ylabel("number of orders (scaled)")
    axes.set_title("Customer clusters (K-means)")
    axes.legend(fontsize="small")
    return figure


CHARTS: dict[str, Callable[[Warehouse], Figure]] = {
    "top_products_revenue.png": top_products_revenue,
    "top_products_sentiment.png": top_products_sentiment,
    "segments.png": segments,
    "monthly_revenue_by_region.png": monthly_revenue_by_region,
    "clusters.png": clusters,
}
# The marts of an optional input each chart needs (segments.publish.status.OPTIONAL_MARTS): without them
# the chart is left out.
CHART_NEEDS: dict[str, tuple[str, ...]] = {
    "top_products_revenue.png": ("top_products_last_quarter",),
    "top_products_sentiment.png": ("top_products_last_quarter",),
    "monthly_revenue_by_region.png": ("regional_monthly_sales",),
}


def charts_available(marts: set[str]) -> list[str]:
    """The charts whose marts are all there, in CHARTS order."""
    return [name for name in CHARTS if all(mart in marts for mart in CHART_NEEDS.get(name, ()))]


def save(figure: Figure, path: Path) -> None:
    figure.tight_layout()
    figure.savefig(path, dpi=DPI, format="png", metadata=PNG_METADATA)
    plt.close(figure)


def draw_charts(warehouse: Warehouse, out_dir: Path, marts: set[str] | None = None) -> list[Path]:
    """The charts whose marts are there (`marts`, default: those in the warehouse); a chart left
    out is removed from `out_dir`, so that no chart of an earlier build stays beside the others."""
    available = charts_available(available_marts(warehouse) if marts is None else marts)
    figures = {out_dir / name: CHARTS[name](warehouse) for name in available}
    replace_atomically(
        {path: (lambda temp, figure=figure: save(figure, temp)) for path, figure in figures.items()}
    )
    for name in CHARTS.keys() - set(available):
        (out_dir / name).unlink(missing_ok=True)
    return list(figures)


def main(argv: list[str] | None = None) -> int:
    return run(
        "python -m segments.publish.charts",
        __doc__.splitlines()[0],
        {"--out": ("reports/charts", "output directory")},
        lambda warehouse, args: draw_charts(warehouse, args.out, args.marts),
        argv,
    )


if __name__ == "__main__":
    raise SystemExit(main())
