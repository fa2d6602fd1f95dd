"""Products, and the order lines that make up every order's amount to the cent."""

from __future__ import annotations

import numpy as np
import pandas as pd

from seeds_gen.generate import SeedConfig, Stream, format_cents, stream
from seeds_gen.reference import CATEGORIES, LIST_PRICE_RANGE, LIST_PRICE_SPREAD, PRODUCT_ADJECTIVES

# Lines per order: 1 + Binomial(3, 0.3), so 1 to 4 lines, 1.9 on average.
EXTRA_LINES = (3, 0.3)
QUANTITIES = (np.array([1, 2, 3]), np.array([0.7, 0.2, 0.1]))
# A line is split into several units only when each unit still costs at least this much.
MIN_UNIT_CENTS_FOR_QUANTITY = 300
MAX_DISCOUNT = 0.3


def generate_products(config: SeedConfig) -> pd.DataFrame:
    """A catalogue in CATEGORIES: every category is stocked (given 8 products or more)."""
    rng = stream(config.seed, Stream.PRODUCTS)
    names = list(CATEGORIES)
    shares = np.array([share for share, _, _ in CATEGORIES.values()])
    n = config.products
    category = rng.choice(len(names), size=n, p=shares / shares.sum())
    category[: min(n, len(names))] = np.arange(min(n, len(names)))
    rng.shuffle(category)

    medians = np.array([median for _, median, _ in CATEGORIES.values()])
    price = np.exp(np.log(medians[category]) + LIST_PRICE_SPREAD * rng.standard_normal(n))
    # Prices end in .99, as shop prices do.
    dollars = np.clip(np.floor(price), LIST_PRICE_RANGE[0] // 1, LIST_PRICE_RANGE[1] // 1).astype(np.int64)

    nouns = [noun for _, _, category_nouns in CATEGORIES.values() for noun in category_nouns]
    noun_counts = np.array([len(category_nouns) for _, _, category_nouns in CATEGORIES.values()])
    noun_offsets = np.concatenate([[0], np.cumsum(noun_counts)[:-1]])
    noun = noun_offsets[category] + np.floor(rng.random(n) * noun_counts[category]).astype(np.int64)
    adjective = rng.integers(len(PRODUCT_ADJECTIVES), size=n)
    product_id = np.arange(1, n + 1, dtype=np.int64)
    product_name = np.char.add(
        np.char.add(np.array(PRODUCT_ADJECTIVES)[adjective], " "),
        np.char.add(np.char.add(np.array(nouns)[noun], " "), (product_id + 100).astype(str)),
    )
    return pd.DataFrame(
        {
            "product_id": product_id,
            "product_name": product_name,
            "category": np.array(names)[category],
            "list_price": format_cents(dollars * 100 + 99),
        }
    )


def amount_to_cents(amounts: pd.Series) -> np.ndarray:
    return np.rint(amounts.astype(float).to_numpy() * 100).astype(np.int64)


def generate_order_items(config: SeedConfig, orders: pd.DataFrame, products: pd.DataFrame) -> pd.DataFrame:
    """Order lines whose quantity x sale_price adds up to the order's amount, to the cent.

    The amount is split into line totals; each line but the last may sell several
    units at a whole-cent price, and the last line (one unit) takes every cent the
    splits left over. Each line sells the product whose list price best fits its
    unit price after a discount of up to 30%.
    """
    rng = stream(config.seed, Stream.ORDER_ITEMS)
    amount = amount_to_cents(orders["amount"])
    lines = 1 + rng.binomial(*EXTRA_LINES, size=len(orders))
    order_index = np.repeat(np.arange(len(orders)), lines)
    first_line = np.repeat(np.cumsum(lines) - lines, lines)
    line_number = np.arange(len(order_index)) - first_line + 1
    is_last = line_number == lines[order_index]

    weight = 0.5 + rng.random(len(order_index))
    share = weight / np.bincount(order_index, weights=weight)[order_index]
    line_total = np.floor(amount[order_index] * share).astype(np.int64)

    quantity = rng.choice(QUANTITIES[0], size=len(order_index), p=QUANTITIES[1])
    quantity[is_last | (line_total < MIN_UNIT_CENTS_FOR_QUANTITY * quantity)] = 1
    unit_cents = line_total // quantity
    sold = unit_cents * quantity
    left_over = amount - np.bincount(order_index, weights=sold, minlength=len(orders)).astype(np.int64)
    unit_cents[is_last] += left_over[order_index[is_last]]

    list_cents = amount_to_cents(products["list_price"])
    by_price = np.argsort(list_cents, kind="stable")
    wanted = unit_cents / (1 - rng.random(len(order_index)) * MAX_DISCOUNT)
    nearest = np.searchsorted(list_cents[by_price], wanted) + rng.integers(-1, 2, size=len(order_index))
    product = by_price[np.clip(nearest, 0, len(products) - 1)]

    return pd.DataFrame(
        {
            "order_id": orders["order_id"].to_numpy()[order_index],
            "line_number": line_number,
            "product_id": products["product_id"].to_numpy()[product],
            "quantity": quantity,
            "sale_price": format_cents(unit_cents),
        }
    )
