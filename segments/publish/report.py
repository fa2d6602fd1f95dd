"""A self-contained HTML report: ``python -m segments.publish.report`` writes reports/index.html.

The page is the Jinja2 template templates/report.html.j2; this module reads the marts, formats
their numbers and fills it in. Every number is read from the marts when the report is built (the
as-of date and the segment thresholds from `segment_definitions`); the charts are embedded as base64
PNGs, so the file opens anywhere without its folder.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import jinja2
import pandas as pd

from segments.atomic_files import replace_atomically
from segments.publish.charts import charts_available
from segments.publish.cli import run
from segments.publish.status import OPTIONAL_MARTS, available_marts
from segments.warehouse import Warehouse

TEMPLATES = Path(__file__).parent / "templates"
TEMPLATE = "report.html.j2"
MISSING = "—"

# Readable headers: the glossary's names (docs/glossary.md) in words; "{unit}" is the currency
# in brackets, or nothing when none is set.
HEADERS = {
    "customer_segment": "Segment",
    "segment_rule": "Total sales amount{unit}",
    "number_of_customers": "Number of customers",
    "share_of_customers": "Share of customers",
    "number_of_orders": "Number of orders",
    "total_sales_amount": "Total sales amount{unit}",
    "share_of_sales": "Share of sales",
    "average_order_value": "Average order value{unit}",
    "average_age": "Average age (years)",
    "top_region": "Top region",
    "favourite_category": "Favourite category",
    "category": "Category",
    "revenue_amount": "Revenue amount{unit}",
    "share_of_segment_revenue": "Share of segment revenue",
    "cluster_label": "Cluster",
    "mean_total_sales_amount": "Mean total sales amount{unit}",
    "mean_number_of_orders": "Mean number of orders",
    "mean_average_order_value": "Mean average order value{unit}",
    "mean_days_since_last_activity": "Mean days since last activity",
    "is_vip": "VIP",
    "revenue_rank": "Revenue rank",
    "product_name": "Product",
    "units_sold": "Units sold",
    "average_sentiment_score": "Average sentiment score (-1 to 1)",
    "average_rating": "Average rating (1 to 5)",
}
# What the four clustering features are, in the order of customer_cluster_profiles' columns.
FEATURES = [
    ("total_sales_amount", "total spend", "the sum of the customer's order amounts"),
    ("number_of_orders", "orders", "how many orders the customer placed"),
    ("average_order_value", "spend per order", "total spend divided by the number of orders"),
    (
        "days_since_last_activity",
        "days since last activity",
        "days from the last order (or, for a customer who never ordered, the registration) to the as-of date",
    ),
]


@dataclass(frozen=True)
class Table:
    """A table ready for the template: headers, rows of formatted cells, and which columns are numbers."""

    headers: list[str]
    rows: list[list[str]]
    numeric: list[bool]


@dataclass(frozen=True)
class Formats:
    """Number formats for one report; `currency` (None: not set) goes in the headers, never in a cell."""

    currency: str | None

    @property
    def unit(self) -> str:
        return f" ({self.currency})" if self.currency else ""

    def money(self, value: object) -> str:
        return MISSING if is_missing(value) else f"{float(value):,.2f}"

    def amount(self, value: object) -> str:
        """An amount in a sentence: with the currency when one is set."""
        text = self.money(value)
        return f"{text} {self.currency}" if self.currency and text != MISSING else text

    def header(self, column: str) -> str:
        return HEADERS.get(column, column.replace("_", " ").capitalize()).format(unit=self.unit)


def is_missing(value: object) -> bool:
    return value is None or (not isinstance(value, str) and pd.isna(value))


def share(value: object) -> str:
    return MISSING if is_missing(value) else f"{float(value) * 100:.1f}%"


def number(places: int) -> Callable[[object], str]:
    """A formatter for a possibly missing number with a fixed count of decimals and thousands separators."""
    return lambda value: MISSING if is_missing(value) else f"{float(value):,.{places}f}"


def text(value: object) -> str:
    return MISSING if is_missing(value) else str(value)


def table(frame: pd.DataFrame, formats: Formats, cells: dict[str, Callable[[object], str]]) -> Table:
    """`cells`: column -> formatter; a column not named is text."""
    columns = list(frame.columns)
    numeric = [column in cells for column in columns]
    rows = [
        [cells.get(column, text)(record[column]) for column in columns] for record in frame.to_dict("records")
    ]
    return Table([formats.header(column) for column in columns], rows, numeric)


def chart(charts_dir: Path, name: str, alt: str) -> dict[str, str]:
    return {"alt": alt, "data": base64.b64encode((charts_dir / name).read_bytes()).decode("ascii")}


CHART_ALTS = {
    "segments.png": "Bar charts: number of customers and total sales amount per value segment",
    "clusters.png": "Scatter plot of customers by scaled total sales amount and number of orders, by cluster",
    "cluster_k_evaluation.png": "Line chart: inertia and mean silhouette of K-means for k = 2 to 8",
    "top_products_revenue.png": "Bar chart: revenue amount of last quarter's top products",
    "top_products_sentiment.png": "Bar chart: average sentiment score of last quarter's top products",
    "monthly_revenue_by_region.png": "Line chart: revenue amount per month, one line per region",
    "segment_sizes.png": (
        "Line chart: number of customers per value segment on each day the segment history changed"
    ),
}
# The row of segment_migrations for customers not yet in the history at the start of a period.
NEW = "New"


def left_out(what: str, mart: str) -> dict[str, str]:
    """What the template says in place of a section whose mart (of an optional input) is not there."""
    return {"what": what, "mart": mart, "input": OPTIONAL_MARTS[mart]}


def segment_sentences(profiles: pd.DataFrame, formats: Formats) -> list[dict[str, str]]:
    sentences = []
    for p in profiles.to_dict("records"):
        if not p["number_of_customers"]:
            sentences.append({"name": p["customer_segment"], "text": "no customers."})
            continue
        favourite = (
            f"; favourite category {p['favourite_category']}"
            if isinstance(p["favourite_category"], str)
            else ""
        )
        sentences.append(
            {
                "name": p["customer_segment"],
                "text": f"{p['number_of_customers']} customers, {formats.amount(p['total_sales_amount'])} in"
                f" sales over {p['number_of_orders']} orders (average order"
                f" {formats.amount(p['average_order_value'])}); average age {number(1)(p['average_age'])};"
                f" {share(p['share_female'])} female, {share(p['share_male'])} male,"
                f" {share(p['share_non_binary'])} non-binary; mostly from {text(p['top_region'])}"
                f"{favourite}.",
            }
        )
    return sentences


def compared(value: float, overall: float) -> str:
    """How a cluster's mean compares with all customers' mean, in words that are not the segments'."""
    if overall == 0:
        return "the same as" if value == 0 else "above"
    ratio = value / overall
    if ratio >= 1.5:
        return "well above"
    if ratio > 1.1:
        return "above"
    if ratio >= 0.9:
        return "close to"
    if ratio > 0.5:
        return "below"
    return "well below"


def k_evaluation(warehouse: Warehouse) -> dict[str, int | None]:
    """The sample size of cluster_k_evaluation and the k with the highest mean silhouette."""
    evaluation = warehouse.read(
        "select k, customers_sampled, silhouette from cluster_k_evaluation order by k"
    )
    silhouettes = evaluation.dropna(subset=["silhouette"])
    best = int(silhouettes.loc[silhouettes["silhouette"].idxmax(), "k"]) if len(silhouettes) else None
    sampled = int(evaluation["customers_sampled"].max()) if len(evaluation) else 0
    return {"customers_sampled": sampled, "best_silhouette": best}


def cluster_sentences(clusters: pd.DataFrame, formats: Formats) -> list[dict[str, str]]:
    """One sentence per cluster: its mean of each of the four features against all customers' mean
    (weighted by the clusters' sizes, so the same as the mean over every customer)."""
    weights = clusters["number_of_customers"].astype(float)
    overall = {
        feature: float((clusters[f"mean_{feature}"] * weights).sum() / weights.sum())
        if weights.sum()
        else 0.0
        for feature, _, _ in FEATURES
    }
    sentences = []
    for c in clusters.to_dict("records"):
        spend, orders = c["mean_total_sales_amount"], c["mean_number_of_orders"]
        per_order, days = c["mean_average_order_value"], c["mean_days_since_last_activity"]
        recency = (
            "more recently than"
            if days < overall["days_since_last_activity"] * 0.9
            else "longer ago than"
            if days > overall["days_since_last_activity"] * 1.1
            else "about as recently as"
        )
        size = f"{c['number_of_customers']} customers ({share(c['share_of_customers'])})"
        all_spend, all_orders = overall["total_sales_amount"], overall["number_of_orders"]
        all_per_order, all_days = overall["average_order_value"], overall["days_since_last_activity"]
        parts = [
            f"On average they spent {formats.amount(spend)} in total, {compared(spend, all_spend)} the"
            f" {formats.amount(all_spend)} of all customers",
            f"across {orders:.1f} orders ({compared(orders, all_orders)} {all_orders:.1f})",
            f"at {formats.amount(per_order)} per order ({compared(per_order, all_per_order)}"
            f" {formats.amount(all_per_order)})",
            f"and were last active {days:.0f} days before the as-of date, {recency} all customers"
            f" ({all_days:.0f} days)",
        ]
        sentences.append({"name": c["cluster_label"], "text": f"{size}. " + ", ".join(parts) + "."})
    return sentences


def by_segment_rank(frame: pd.DataFrame, definitions: pd.DataFrame, *then: str) -> pd.DataFrame:
    """`frame` in segment_rank order (High-Value first), then by `then`."""
    rank = dict(zip(definitions["customer_segment"], definitions["segment_rank"], strict=True))
    ordered = frame.assign(_rank=frame["customer_segment"].map(rank)).sort_values(["_rank", *then])
    return ordered.drop(columns="_rank").reset_index(drop=True)


def value_segments(warehouse: Warehouse, marts: set[str], formats: Formats) -> dict[str, object]:
    money, places = formats.money, number
    if "segment_profiles" not in marts:
        summary = warehouse.read(
            "select customer_segment, number_of_customers, share_of_customers, total_sales_amount,"
            " share_of_sales from customer_segment_summary order by segment_rank"
        )
        cells = {
            "number_of_customers": places(0),
            "share_of_customers": share,
            "total_sales_amount": money,
            "share_of_sales": share,
        }
        return {
            "sentences": [],
            "table": table(summary, formats, cells),
            "left_out": left_out(
                "the segments' profiles (age, gender mix, regions, average order, favourite category)",
                "segment_profiles",
            ),
        }
    profiles = warehouse.read("select * from segment_profiles order by segment_rank")
    columns = [
        "customer_segment",
        "number_of_customers",
        "number_of_orders",
        "total_sales_amount",
        "average_order_value",
        "average_age",
        "top_region",
        "favourite_category",
    ]
    cells = {
        "number_of_customers": places(0),
        "number_of_orders": places(0),
        "total_sales_amount": money,
        "average_order_value": money,
        "average_age": places(1),
    }
    return {
        "sentences": segment_sentences(profiles, formats),
        "table": table(profiles[columns], formats, cells),
        "left_out": None,
    }


def favourite_categories(
    warehouse: Warehouse, marts: set[str], formats: Formats, definitions: pd.DataFrame
) -> dict[str, object]:
    if "segment_category_preferences" not in marts:
        return {
            "table": None,
            "left_out": left_out("each segment's favourite categories", "segment_category_preferences"),
        }
    preferences = warehouse.read(
        "select customer_segment, category_rank_in_segment, category, revenue_amount,"
        " share_of_segment_revenue from segment_category_preferences where category_rank_in_segment <= 3"
    )
    ordered = by_segment_rank(preferences, definitions, "category_rank_in_segment")
    cells = {"revenue_amount": formats.money, "share_of_segment_revenue": share}
    return {
        "table": table(ordered.drop(columns="category_rank_in_segment"), formats, cells),
        "left_out": None,
    }


def top_products(warehouse: Warehouse, marts: set[str], formats: Formats) -> dict[str, object]:
    if "top_products_last_quarter" not in marts:
        return {
            "quarter": None,
            "table": None,
            "left_out": left_out(
                "last quarter's top products, their revenue and sentiment", "top_products_last_quarter"
            ),
        }
    top = warehouse.read(
        "select revenue_rank, product_name, category, units_sold, revenue_amount,"
        " average_sentiment_score, average_rating, quarter_start_date, quarter_end_date"
        " from top_products_last_quarter order by revenue_rank"
    )
    quarter = (
        f"{top['quarter_start_date'].iloc[0]} to {top['quarter_end_date'].iloc[0]}" if len(top) else MISSING
    )
    cells = {
        "revenue_rank": number(0),
        "units_sold": number(0),
        "revenue_amount": formats.money,
        "average_sentiment_score": number(3),
        "average_rating": number(2),
    }
    shown = top.drop(columns=["quarter_start_date", "quarter_end_date"])
    return {"quarter": quarter, "table": table(shown, formats, cells), "left_out": None}


def segment_movement(
    warehouse: Warehouse, marts: set[str], formats: Formats, definitions: pd.DataFrame
) -> dict[str, object] | None:
    """The migration matrix of the latest month in segment_migrations: customers from each segment
    (rows, New first) to each segment (columns), and the revenue they brought in the period (their
    sales at the end less at the start). None without the segment history or with one snapshot
    date only."""
    if "segment_migrations" not in marts:
        return None
    month = warehouse.read(
        "select period_start, period_end, from_segment, to_segment, customers, sales_amount_before,"
        " sales_amount_after from segment_migrations where period_type = 'month'"
        " and period_end = (select max(period_end) from segment_migrations where period_type = 'month')"
    )
    if month.empty:
        return None
    names = list(definitions["customer_segment"])
    rank = {name: index for index, name in enumerate([NEW, *names])}
    month = month.assign(
        cents=(month["sales_amount_after"].astype(float) * 100).round()
        - (month["sales_amount_before"].astype(float) * 100).round()
    )

    def matrix(values: str, cell: Callable[[object], str]) -> Table:
        pivot = month.pivot_table(index="from_segment", columns="to_segment", values=values, aggfunc="sum")
        rows = sorted(pivot.index, key=rank.__getitem__)
        body = [
            [name, *(cell(pivot.at[name, to]) if to in pivot.columns else cell(0) for to in names)]
            for name in rows
        ]
        headers = ["From / to", *names]
        return Table(headers, [[str(value) for value in row] for row in body], [False, *[True] * len(names)])

    def moved(direction: int) -> int:
        return int(
            sum(
                row.customers
                for row in month.itertuples()
                if row.from_segment != NEW and (rank[row.to_segment] - rank[row.from_segment]) * direction > 0
            )
        )

    customers = number(0)

    def revenue(value: object) -> str:
        return formats.money(0 if is_missing(value) else float(value) / 100)

    return {
        "start": text(month["period_start"].iloc[0]),
        "end": text(month["period_end"].iloc[0]),
        "up": moved(-1),
        "down": moved(1),
        "new": int(month.loc[month["from_segment"] == NEW, "customers"].sum()),
        "customers": matrix("customers", lambda value: customers(0 if is_missing(value) else value)),
        "revenue": matrix("cents", revenue),
    }


def report_context(
    warehouse: Warehouse, charts_dir: Path, marts: set[str], currency: str | None
) -> dict[str, object]:
    """Everything the template shows, read from the marts and formatted."""
    formats = Formats(currency)
    definitions = warehouse.read(
        "select segment_rank, customer_segment, segment_rule, lower_bound_amount, upper_bound_amount,"
        " as_of_date from segment_definitions order by segment_rank"
    )
    summary = warehouse.read(
        "select customer_segment, number_of_customers, number_of_orders, total_sales_amount"
        " from customer_segment_summary order by segment_rank"
    )
    vips = warehouse.read("select is_vip, total_sales_amount, number_of_orders from customer_profiles")
    clusters = warehouse.read("select * from customer_cluster_profiles order by spend_rank")

    vip_table = (
        vips.groupby("is_vip")
        .agg(
            number_of_customers=("is_vip", "size"),
            mean_total_sales_amount=("total_sales_amount", "mean"),
            mean_number_of_orders=("number_of_orders", "mean"),
        )
        .sort_index(ascending=False)
        .reset_index()
    )
    vip_table["is_vip"] = vip_table["is_vip"].map({1: "VIP", 0: "not VIP"})
    cluster_columns = [
        "cluster_label",
        "number_of_customers",
        "share_of_customers",
        "mean_total_sales_amount",
        "mean_number_of_orders",
        "mean_average_order_value",
        "mean_days_since_last_activity",
    ]
    cluster_cells = {
        "number_of_customers": number(0),
        "share_of_customers": share,
        "mean_total_sales_amount": formats.money,
        "mean_average_order_value": formats.money,
        "mean_number_of_orders": number(2),
        "mean_days_since_last_activity": number(1),
    }
    return {
        "as_of_date": text(definitions["as_of_date"].iloc[0]),
        "currency": currency,
        "thresholds": table(definitions[["customer_segment", "segment_rule"]], formats, {}),
        "totals": {
            "customers": int(summary["number_of_customers"].sum()),
            "orders": int(summary["number_of_orders"].sum()),
            "sales": formats.amount(summary["total_sales_amount"].sum()),
            "vips": int(vips["is_vip"].sum()),
        },
        "charts": {name: chart(charts_dir, name, CHART_ALTS[name]) for name in charts_available(marts)},
        "segments": value_segments(warehouse, marts, formats),
        "categories": favourite_categories(warehouse, marts, formats, definitions),
        "features": [
            {"column": column, "name": name, "meaning": meaning} for column, name, meaning in FEATURES
        ],
        "number_of_clusters": len(clusters),
        "k_evaluation": k_evaluation(warehouse),
        "clusters": cluster_sentences(clusters, formats),
        "cluster_table": table(clusters[cluster_columns], formats, cluster_cells),
        "vip_table": table(
            vip_table,
            formats,
            {
                "number_of_customers": number(0),
                "mean_total_sales_amount": formats.money,
                "mean_number_of_orders": number(2),
            },
        ),
        "top_products": top_products(warehouse, marts, formats),
        "movement": segment_movement(warehouse, marts, formats, definitions),
        "regional_sales": None
        if "regional_monthly_sales" in marts
        else left_out("monthly revenue by region", "regional_monthly_sales"),
    }


def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def build_report(
    warehouse: Warehouse, charts_dir: Path, marts: set[str] | None = None, currency: str | None = None
) -> str:
    """The page; `marts`: those there to publish (default: those in the warehouse). A section
    whose mart of an optional input is not there is left out with a note. `currency`: the currency
    of the amounts (None: not set)."""
    marts = available_marts(warehouse) if marts is None else marts
    context = report_context(warehouse, charts_dir, marts, currency)
    return environment().get_template(TEMPLATE).render(context)


def write_report(
    warehouse: Warehouse,
    charts_dir: Path,
    out: Path,
    marts: set[str] | None = None,
    currency: str | None = None,
) -> Path:
    page = build_report(warehouse, charts_dir, marts, currency)
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
        lambda warehouse, args: [write_report(warehouse, args.charts, args.out, args.marts, args.currency)],
        argv,
        currency=True,
    )


if __name__ == "__main__":
    raise SystemExit(main())
