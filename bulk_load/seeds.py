"""The raw tables and their declared column types, read from seeds/_seeds.yml: one definition for
`dbt seed` and the bulk loader alike."""

from __future__ import annotations

from pathlib import Path

import yaml


def declared_tables(seeds_yml: Path) -> dict[str, dict[str, str]]:
    document = yaml.safe_load(seeds_yml.read_text(encoding="utf-8"))
    return {
        seed["name"]: {column: str(kind) for column, kind in seed["config"]["column_types"].items()}
        for seed in document["seeds"]
    }
