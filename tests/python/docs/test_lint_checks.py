"""The checks `make lint` runs can fail: break a description, a lineage edge or the YAML style in a
copy of the project, and the named check fails, naming what is missing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import copy_project

MARTS_YML = Path("models/marts/customers/_customers__models.yml")


def edit(project, relative: Path, old: str, new: str) -> None:
    path = project.root / relative
    text = path.read_text()
    assert old in text, f"{old!r} not in {relative}"
    path.write_text(text.replace(old, new, 1))


@pytest.fixture
def project(tmp_path):
    project = copy_project(tmp_path / "segments")
    assert project.generate().returncode == 0
    return project


def coverage_failures(result) -> str:
    assert result.returncode != 0, "lint-docs-coverage passed on a broken project"
    # Rich wraps table cells; join the lines so names split across them are found.
    return re.sub(r"\s*│\s*", " ", result.stdout)


def test_a_missing_column_description_is_named(project):
    edit(
        project,
        MARTS_YML,
        "        description: The number of orders the customer placed; 0 for a customer without orders.\n",
        "",
    )
    failures = coverage_failures(project.make("lint-docs-coverage"))
    assert "check_model_column_description_populated" in failures
    assert "customer_segments" in failures and "number_of_orders" in failures


def test_an_undocumented_warehouse_column_is_named(project):
    edit(
        project,
        Path("models/marts/customers/customer_segments.sql"),
        "        registration_date,\n        {{ cents_to_amount",
        "        registration_date,\n        1 as undocumented_flag,\n        {{ cents_to_amount",
    )
    failures = coverage_failures(project.make("lint-docs-coverage"))
    assert "check_columns_are_all_documented" in failures
    assert "undocumented_flag" in failures


def test_a_mart_cut_off_from_its_consumer_is_named(project):
    # customer_rfm's only consumer is the analytics exposure.
    edit(project, Path("models/exposures/_exposures.yml"), "      - ref('customer_rfm')\n", "")
    failures = coverage_failures(project.make("lint-docs-coverage"))
    assert "check_model_has_exposure" in failures
    assert "customer_rfm" in failures


def test_a_missing_macro_description_is_named(project):
    edit(
        project,
        Path("macros/_macros.yml"),
        "  - name: segment_names\n    description: >\n",
        "  - name: segment_names\n    description: ''\n    meta_text: >\n",
    )
    failures = coverage_failures(project.make("lint-docs-coverage"))
    assert "check_macro_description_populated" in failures
    assert "segment_names" in failures


def test_deprecated_yaml_fails_the_parse_check(project):
    edit(project, MARTS_YML, "        data_tests:\n", "        tests:\n")
    result = project.make("lint-dbt-parse")
    assert result.returncode != 0
    assert "deprecation" in result.stdout.lower()


def test_unstyled_sql_fails_sqlfluff_naming_the_file_and_rule(project):
    edit(project, Path("models/staging/stg_orders.sql"), "    select * from", "    SELECT * FROM")
    result = project.make("lint-sql")
    assert result.returncode != 0
    assert "stg_orders.sql" in result.stdout
    assert "CP01" in result.stdout
