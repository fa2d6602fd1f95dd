"""Determinism: the same seeds build the same marts, row by row, in two independent warehouses, and
again after `dbt build --full-refresh` on one of them. (The same generator flags give byte-identical
seed files: the generator tests marked `determinism` check that.)"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from support import MARTS, DbtProject, copy_project

pytestmark = pytest.mark.determinism

Table = tuple[list[tuple], list[str] | None]


def marts(project: DbtProject) -> dict[str, Table]:
    """Each mart's declared columns and types, and its rows (DbtProject.mart_rows)."""
    rows = project.mart_rows()
    return {
        mart: ([(row[1], row[2]) for row in project.query(f"pragma table_info({mart})")], rows[mart])
        for mart in MARTS
    }


@dataclass
class Rebuilds:
    # The first warehouse: the session's default build.
    built: DbtProject
    # The second warehouse's marts after `dbt build`, then after `dbt build --full-refresh`.
    build: dict[str, Table]
    full_refresh: dict[str, Table]


@pytest.fixture(scope="module")
def rebuilds(built_project: DbtProject, tmp_path_factory: pytest.TempPathFactory) -> Rebuilds:
    """A second copy of the project, its own seeds generated with the same flags as built_project's
    and its own warehouse, built twice."""
    project = copy_project(tmp_path_factory.mktemp("determinism") / "segments")
    generated = project.generate()
    assert generated.returncode == 0, generated.stderr
    seeds, built_seeds = project.root / "seeds", built_project.root / "seeds"
    names = sorted(path.name for path in built_seeds.glob("*.csv"))
    assert names == sorted(path.name for path in seeds.glob("*.csv"))
    for name in names:
        assert (seeds / name).read_bytes() == (built_seeds / name).read_bytes(), f"{name} differs"
    assert project.warehouse != built_project.warehouse
    result = project.seed_and_build()
    assert result.returncode == 0, f"dbt seed and build failed:\n{result.stdout[-6000:]}"
    build = marts(project)
    result = project.dbt("build", "--full-refresh")
    assert result.returncode == 0, f"dbt build --full-refresh failed:\n{result.stdout[-6000:]}"
    return Rebuilds(built_project, build, marts(project))


def test_same_seeds_build_the_same_marts_again_and_after_a_full_refresh(
    rebuilds: Rebuilds, record_property
) -> None:
    """One test, not one per mart: under `pytest -n 2 --dist load` every worker that ran a test of
    this module would build the second warehouse again. It counts one case per mart and build."""
    expected = marts(rebuilds.built)
    empty = [mart for mart, (_, rows) in expected.items() if not rows]
    assert not empty, f"empty marts, nothing to compare: {empty}"
    differ = {
        build: [mart for mart in MARTS if tables[mart] != expected[mart]]
        for build, tables in (
            ("dbt build", rebuilds.build),
            ("dbt build --full-refresh", rebuilds.full_refresh),
        )
    }
    record_property("cases_tried", 2 * len(MARTS))
    record_property("cases_passed", 2 * len(MARTS) - sum(len(changed) for changed in differ.values()))
    assert differ == {"dbt build": [], "dbt build --full-refresh": []}
