"""The checks `make lint` runs can fail: break a description, a lineage edge or the YAML style in a
copy of the project, and the named check fails, naming what is missing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from support import copy_project

MARTS_YML = Path("models/marts/segmentation/_segmentation__models.yml")


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
        # The first in the file: customer_segments' number_of_orders.
        "        description: \"{{ doc('number_of_orders') }}\"\n",
        "",
    )
    failures = coverage_failures(project.make("lint-docs-coverage"))
    assert "check_model_column_description_populated" in failures
    assert "customer_segments" in failures and "number_of_orders" in failures


def test_an_undocumented_warehouse_column_is_named(project):
    edit(
        project,
        Path("models/marts/segmentation/customer_segments.sql"),
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
        Path("macros/business_rules/_business_rules.yml"),
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


# Macro and generic test files: sqlfluff's dbt templater skips them ("Skipped file ... because it
# is a macro"), so this check holds them to two of its rules instead: no line longer than
# .sqlfluff's max_line_length, and SQL keywords in lowercase (outside comments and quoted strings).
MAX_LINE_LENGTH = 110
MACRO_FOLDERS = (Path("macros"), Path("tests/generic"))
UPPERCASE_KEYWORD = re.compile(
    r"\b(SELECT|FROM|WHERE|JOIN|ON|GROUP|BY|ORDER|HAVING|UNION|ALL|INSERT|INTO|VALUES|UPDATE|DELETE"
    r"|CREATE|TABLE|VIEW|INDEX|DROP|ALTER|AS|AND|OR|NOT|NULL|IS|IN|CASE|WHEN|THEN|ELSE|END|CAST|WITH"
    r"|DISTINCT|LIMIT|OFFSET|BETWEEN|LIKE|EXISTS|LEFT|INNER|OUTER|CROSS|OVER|PARTITION|BEGIN|COMMIT"
    r"|RETURNS|LANGUAGE|REPLACE|FUNCTION|MATERIALIZED|TRUE|FALSE|UNIQUE|PRAGMA|RENAME)\b"
)
ROOT = next(parent for parent in Path(__file__).resolve().parents if (parent / "dbt_project.yml").is_file())


def sql_code(line: str) -> str:
    """The line without the contents of its quoted strings and without its `--` comment."""
    return re.sub(r"'[^']*'|\"[^\"]*\"", "''", line).split("--", 1)[0]


def macro_style_problems(root: Path) -> list[str]:
    problems = []
    for folder in MACRO_FOLDERS:
        for path in sorted((root / folder).rglob("*.sql")):
            relative = path.relative_to(root)
            text = path.read_text()
            # Jinja comments blanked, their line breaks kept, so the line numbers stay.
            code = re.sub(r"\{#.*?#\}", lambda comment: "\n" * comment.group().count("\n"), text, flags=re.S)
            lines = zip(text.splitlines(), code.splitlines(), strict=True)
            for number, (line, line_code) in enumerate(lines, 1):
                if len(line) > MAX_LINE_LENGTH:
                    problems.append(f"{relative}:{number}: {len(line)} characters, over {MAX_LINE_LENGTH}")
                keyword = UPPERCASE_KEYWORD.search(sql_code(line_code))
                if keyword:
                    problems.append(f"{relative}:{number}: uppercase keyword {keyword.group()}")
    return problems


def test_macro_files_keep_the_line_limit_and_lowercase_keywords():
    assert macro_style_problems(ROOT) == []


def test_a_long_line_or_an_uppercase_keyword_in_a_macro_is_named(tmp_path):
    macro = tmp_path / "macros" / "rules" / "rule.sql"
    macro.parent.mkdir(parents=True)
    macro.write_text(
        "{#- SELECT in a comment,\n    and FROM in a string, pass. -#}\n"
        "{% macro rule() -%}\n"
        "    SELECT 'FROM' as label -- ORDER BY in a comment passes too\n"
        f"    select {'x' * MAX_LINE_LENGTH}\n"
        "{%- endmacro %}\n"
    )
    assert macro_style_problems(tmp_path) == [
        "macros/rules/rule.sql:4: uppercase keyword SELECT",
        f"macros/rules/rule.sql:5: {MAX_LINE_LENGTH + 11} characters, over {MAX_LINE_LENGTH}",
    ]
