"""Deterministic synthetic seed data for the segments dbt project."""

from seeds_gen.generate import SeedConfig, generate_customers, generate_orders

__all__ = ["SeedConfig", "generate_customers", "generate_orders"]
