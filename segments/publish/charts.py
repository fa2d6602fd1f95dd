"""PNG charts from the warehouse: ``python -m segments.publish.charts`` writes them to reports/charts/."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.ticker import StrMethodFormatter

from segments.atomic_files import replace_atomically
from segments.publish.cli import run
from segments.publish.status import available_marts
from segments.warehouse import Warehouse

DPI = 110
# Money axes with thousands separators, as in the report's tables.
MONEY_TICKS = "{x:,.0f}"
# The unit on a money axis when no currency is set (--currency, SEGMENTS_CURRENCY).
NO_CURRENCY = "no currency set"
# PNG metadata would otherwise carry the matplotlib version: the same data gives the same bytes.
PNG_METADATA = {"Software": None}


def money_unit(currency: str | None) -> str:
    """The unit of a money axis: the currency's code, or a note that none is set."""
    return currency or NO_CURRENCY


def top_products_revenue(warehouse: Warehouse, currency: str | None = None) -> Figure:
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
    axes.set_xlabel("product")
    axes.set_ylabel(f"revenue amount ({money_unit(currency)})")
    axes.yaxis.set_major_formatter(StrMethodFormatter(MONEY_TICKS))
    axes.tick_params(axis="x", rotation=20)
    return figure


def top_products_sentiment(warehouse: Warehouse, currency: str | None = None) -> Figure:
    data = warehouse.read(
        "select product_name, average_sentiment_score, average_rating"
        " from top_products_last_quarter order by revenue_rank"
    )
    figure, axes = plt.subplots(figsize=(8, 4.5))
    # Bars, not a line: the products are separate things, in revenue order, not a series.
    scores = data["average_sentiment_score"].astype(float)
    colours = ["#2e7d32" if score >= 0 else "#c62828" for score in scores.fillna(0)]
    bars = axes.bar(data["product_name"], scores.fillna(0), color=colours)
    for bar, score in zip(bars, scores, strict=True):
        if math.isnan(score):  # no review in the quarter
            axes.annotate("no reviews", (bar.get_x() + bar.get_width() / 2, 0), ha="center", va="bottom")
    axes.axhline(0, color="#999999", linewidth=0.8)
    axes.set_ylim(-1, 1)
    axes.set_title("Average sentiment of last quarter's top products")
    axes.set_xlabel("product (by revenue, highest first)")
    axes.set_ylabel("average sentiment score (-1 to 1)")
    axes.tick_params(axis="x", rotation=20)
    return figure


def segments(warehouse: Warehouse, currency: str | None = None) -> Figure:
    data = warehouse.read(
        "select customer_segment, number_of_customers, total_sales_amount"
        " from customer_segment_summary order by segment_rank"
    )
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4.5))
    left.bar(data["customer_segment"], data["number_of_customers"], color="#1565c0")
    left.set_title("Customers per segment")
    left.set_ylabel("number of customers")
    right.bar(data["customer_segment"], data["total_sales_amount"], color="#2e7d32")
    right.set_title("Sales per segment")
    right.set_ylabel(f"total sales amount ({money_unit(currency)})")
    right.yaxis.set_major_formatter(StrMethodFormatter(MONEY_TICKS))
    for axes in (left, right):
        axes.set_xlabel("value segment")
        axes.tick_params(axis="x", rotation=15)
    return figure


def monthly_revenue_by_region(warehouse: Warehouse, currency: str | None = None) -> Figure:
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
    axes.set_xlabel("month (first day)")
    axes.set_ylabel(f"revenue amount ({money_unit(currency)})")
    axes.yaxis.set_major_formatter(StrMethodFormatter(MONEY_TICKS))
    step = max(len(pivot.index) // 12, 1)
    axes.set_xticks(range(0, len(pivot.index), step), pivot.index[::step], rotation=45, ha="right")
    axes.legend(fontsize="small")
    return figure


def clusters(warehouse: Warehouse, currency: str | None = None) -> Figure:
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
    axes.set_xlabel("total sales amount (scaled: 0 = lowest customer, 1 = highest)")
    axes.set_ylabel("number of orders (scaled: 0 = fewest, 1 = most)")
    axes.set_title("Customer clusters (K-means on four features; two shown)")
    axes.legend(fontsize="small")
    return figure


def cluster_k_evaluation(warehouse: Warehouse, currency: str | None = None) -> Figure:
    data = warehouse.read("select k, inertia, silhouette from cluster_k_evaluation order by k")
    figure, inertia_axes = plt.subplots(figsize=(7, 4))
    inertia_axes.plot(data["k"], data["inertia"], marker="o", color="tab:blue", label="inertia")
    inertia_axes.set_xlabel("k (number of clusters)")
    inertia_axes.set_ylabel("inertia (within-cluster sum of squares; lower is tighter)", color="tab:blue")
    silhouette_axes = inertia_axes.twinx()
    silhouette_axes.plot(data["k"], data["silhouette"], marker="s", color="tab:orange", label="silhouette")
    silhouette_axes.set_ylabel("mean silhouette (-1 to 1; higher separates better)", color="tab:orange")
    inertia_axes.set_xticks(data["k"])
    inertia_axes.set_title("Choosing k: K-means on a sample of customers, k = 2 to 8")
    return figure


def segment_sizes(warehouse: Warehouse, currency: str | None = None) -> Figure:
    """Customers per segment on each day the segment history changed (customer_segment_history)."""
    periods = warehouse.read("select customer_segment, valid_from, valid_to from customer_segment_history")
    order = warehouse.read("select customer_segment from segment_definitions order by segment_rank")
    days = sorted({str(day) for day in periods["valid_from"]})
    figure, axes = plt.subplots(figsize=(10, 4.5))
    for name in order["customer_segment"]:
        rows = periods[periods["customer_segment"] == name]
        starts = rows["valid_from"].astype(str).to_numpy()
        ends = rows["valid_to"].astype(object)
        open_ended = ends.isna().to_numpy()
        ends = ends.where(~ends.isna(), "").astype(str).to_numpy()
        # On each day, the periods that had begun and had not yet ended.
        counts = [int(((starts <= day) & (open_ended | (ends > day))).sum()) for day in days]
        axes.plot(days, counts, marker="o", markersize=3, label=name)
    axes.set_title("Customers per segment over time (the days the history changed)")
    axes.set_xlabel("as-of date")
    axes.set_ylabel("number of customers")
    step = max(len(days) // 12, 1)
    axes.set_xticks(range(0, len(days), step), days[::step], rotation=45, ha="right")
    axes.legend(fontsize="small")
    return figure


# Each chart: the warehouse and the currency (None: not set) give the figure.
CHARTS: dict[str, Callable[[Warehouse, str | None], Figure]] = {
    "top_products_revenue.png": top_products_revenue,
    "top_products_sentiment.png": top_products_sentiment,
    "segments.png": segments,
    "monthly_revenue_by_region.png": monthly_revenue_by_region,
    "clusters.png": clusters,
    "cluster_k_evaluation.png": cluster_k_evaluation,
    "segment_sizes.png": segment_sizes,
}
# The marts each chart needs beyond the customer marts (an optional input's, segments.publish.status.
# OPTIONAL_MARTS, or the segment history's): without them the chart is left out.
CHART_NEEDS: dict[str, tuple[str, ...]] = {
    "top_products_revenue.png": ("top_products_last_quarter",),
    "top_products_sentiment.png": ("top_products_last_quarter",),
    "monthly_revenue_by_region.png": ("regional_monthly_sales",),
    # The segment history.
    "segment_sizes.png": ("customer_segment_history",),
}


def charts_available(marts: set[str]) -> list[str]:
    """The charts whose marts are all there, in CHARTS order."""
    return [name for name in CHARTS if all(mart in marts for mart in CHART_NEEDS.get(name, ()))]


def save(figure: Figure, path: Path) -> None:
    figure.tight_layout()
    figure.savefig(path, dpi=DPI, format="png", metadata=PNG_METADATA)
    plt.close(figure)


def draw_charts(
    warehouse: Warehouse, out_dir: Path, marts: set[str] | None = None, currency: str | None = None
) -> list[Path]:
    """The charts whose marts are there (`marts`, default: those in the warehouse); a chart left
    out is removed from `out_dir`, so that no chart of an earlier build stays beside the others.
    `currency` labels the money axes (None: "no currency set")."""
    available = charts_available(available_marts(warehouse) if marts is None else marts)
    figures = {out_dir / name: CHARTS[name](warehouse, currency) for name in available}
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
        lambda warehouse, args: draw_charts(warehouse, args.out, args.marts, args.currency),
        argv,
        currency=True,
    )


if __name__ == "__main__":
    raise SystemExit(main())
