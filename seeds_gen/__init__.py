"""Deterministic synthetic seed data for the segments dbt project."""

from seeds_gen.config import SeedConfig, resolve_config
from seeds_gen.dataset import append_day, generate

__all__ = ["SeedConfig", "append_day", "generate", "resolve_config"]
