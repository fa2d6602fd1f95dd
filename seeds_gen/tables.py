"""All raw tables for one configuration, as the files the dbt seeds load."""

from __future__ import annotations

import pandas as pd

from seeds_gen.catalog import generate_order_items, generate_products
from seeds_gen.feedback import generate_feedback
from seeds_gen.generate import SeedConfig, Stream, generate_customers, generate_orders, stream
from seeds_gen.messy import feedback_documents, mess_categories, mess_dates


def build_tables(config: SeedConfig) -> dict[str, pd.DataFrame]:
    """Clean tables first, then the deliberate mess (config.messy_rate) on the raw copies."""
    customers = generate_customers(config)
    orders = generate_orders(config, customers)
    products = generate_products(config)
    items = generate_order_items(config, orders, products)
    feedback = generate_feedback(config, orders, items, products)

    mess = stream(config.seed, Stream.MESS)
    rate = config.messy_rate
    customers["birth_date"] = mess_dates(mess, customers["birth_date"], rate)
    products["category"] = mess_categories(mess, products["category"], rate)
    return {
        "customers.csv": customers,
        "orders.csv": orders,
        "products.csv": products,
        "order_items.csv": items,
        "customer_feedback.csv": feedback_documents(mess, feedback, rate),
    }
