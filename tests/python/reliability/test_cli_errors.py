"""A user's mistake on any of the three command lines (seeds_gen, bulk_load, publish) is one line on
stderr, never a traceback, and a non-zero exit status: 2 for a wrong argument (as argparse's own),
1 for a file or warehouse that refuses the work (each command line's convention says which)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support import AS_OF, REPO, DbtProject, run_generator

from seeds_gen.memory import AVAILABLE_ENV, BASE_BYTES, available_memory, estimated_peak

ONE_GB = str(10**9)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small data set, and things a user may point the commands at by mistake."""
    root = tmp_path_factory.mktemp("cli_errors")
    seeds = root / "seeds"
    generated = run_generator("--out", str(seeds), "--as-of", AS_OF, "--customers", "20", "--orders", "50")
    assert generated.returncode == 0, generated.stderr
    (root / "a_file").write_text("not a folder\n")
    (root / "not_a_database.db").write_text("not a database\n")
    (root / "folder").mkdir()
    (root / "bad_manifest").mkdir()
    (root / "bad_manifest" / ".seeds_gen.json").write_text("{not json")

    folder_csv = shutil.copytree(seeds, root / "orders_is_a_folder")
    (folder_csv / "orders.csv").unlink()
    (folder_csv / "orders.csv").mkdir()
    not_utf8 = shutil.copytree(seeds, root / "not_utf8")
    (not_utf8 / "customers.csv").write_bytes(
        b"customer_id,customer_name,registration_date\n1,\xff,2026-01-01\n"
    )

    year_end = run_generator(
        "--out", str(root / "year_end"), "--as-of", "9999-12-31", "--customers", "5", "--orders", "9"
    )
    assert year_end.returncode == 0, year_end.stderr
    return root


# (module, arguments, extra environment, exit status). {root} is the workspace, {warehouse} a built
# warehouse (the session's built_project), /proc a folder no file can be made in.
BAD_INVOCATIONS = {
    # seeds_gen
    "as-of not a date": ("seeds_gen", ["--out", "{root}/out", "--as-of", "31/12/2026"], {}, 2),
    "out is a file": ("seeds_gen", ["--out", "{root}/a_file"], {}, 2),
    "out below a file": ("seeds_gen", ["--out", "{root}/a_file/seeds"], {}, 2),
    "out cannot be made": ("seeds_gen", ["--out", "/proc/seeds"], {}, 2),
    "append without a data set": ("seeds_gen", ["--out", "{root}/folder", "--append-day"], {}, 2),
    "append to a broken manifest": ("seeds_gen", ["--out", "{root}/bad_manifest", "--append-day"], {}, 2),
    "append after 9999-12-31": ("seeds_gen", ["--out", "{root}/year_end", "--append-day"], {}, 2),
    "customers beyond memory": (
        "seeds_gen",
        ["--out", "{root}/out", "--customers", "100000000"],
        {AVAILABLE_ENV: ONE_GB},
        2,
    ),
    "orders beyond memory": (
        "seeds_gen",
        ["--out", "{root}/out", "--orders", "100000000"],
        {AVAILABLE_ENV: ONE_GB},
        2,
    ),
    "products beyond memory": (
        "seeds_gen",
        ["--out", "{root}/out", "--products", "100000000"],
        {AVAILABLE_ENV: ONE_GB},
        2,
    ),
    "appended orders beyond memory": (
        "seeds_gen",
        ["--out", "{root}/seeds", "--append-day", "--orders", "10000000"],
        {AVAILABLE_ENV: ONE_GB},
        2,
    ),
    "available memory not a number": ("seeds_gen", ["--out", "{root}/out"], {AVAILABLE_ENV: "lots"}, 2),
    "unknown flag": ("seeds_gen", ["--colour", "blue"], {}, 2),
    # bulk_load
    "data folder missing": (
        "segments.bulk_load",
        ["--data-dir", "{root}/nowhere", "--warehouse", "{root}/w.db"],
        {},
        2,
    ),
    "data folder is a file": (
        "segments.bulk_load",
        ["--data-dir", "{root}/a_file", "--warehouse", "{root}/w.db"],
        {},
        2,
    ),
    "a CSV is a folder": (
        "segments.bulk_load",
        ["--data-dir", "{root}/orders_is_a_folder", "--warehouse", "{root}/w.db"],
        {},
        2,
    ),
    "a CSV not UTF-8": (
        "segments.bulk_load",
        ["--data-dir", "{root}/not_utf8", "--warehouse", "{root}/w.db"],
        {},
        1,
    ),
    "warehouse is a folder": (
        "segments.bulk_load",
        ["--data-dir", "{root}/seeds", "--warehouse", "{root}/folder"],
        {},
        1,
    ),
    "warehouse below a file": (
        "segments.bulk_load",
        ["--data-dir", "{root}/seeds", "--warehouse", "{root}/a_file/segments.db"],
        {},
        1,
    ),
    "warehouse folder cannot be made": (
        "segments.bulk_load",
        ["--data-dir", "{root}/seeds", "--warehouse", "/proc/warehouse/segments.db"],
        {},
        1,
    ),
    "warehouse folder not writable": (
        "segments.bulk_load",
        ["--data-dir", "{root}/seeds", "--warehouse", "/proc/segments.db"],
        {},
        1,
    ),
    "warehouse directory below a file": (
        "segments.bulk_load",
        ["--data-dir", "{root}/seeds"],
        {"SEGMENTS_WAREHOUSE_DIR": "{root}/a_file/warehouse"},
        1,
    ),
    "duckdb warehouse is a folder": (
        "segments.bulk_load",
        ["--target", "duckdb", "--data-dir", "{root}/seeds", "--warehouse", "{root}/folder"],
        {},
        1,
    ),
    "warehouse not a database": (
        "segments.bulk_load",
        ["--data-dir", "{root}/seeds", "--warehouse", "{root}/not_a_database.db"],
        {},
        1,
    ),
    "unknown target": ("segments.bulk_load", ["--target", "oracle"], {}, 2),
    "unknown table": ("segments.bulk_load", ["--data-dir", "{root}/seeds", "--tables", "invoices"], {}, 2),
    "append on postgres": (
        "segments.bulk_load",
        ["--data-dir", "{root}/seeds", "--target", "postgres", "--append"],
        {},
        2,
    ),
    # publish
    "no warehouse": ("segments.publish", ["--warehouse", "{root}/missing.db"], {}, 1),
    "warehouse is a folder (publish)": ("segments.publish", ["--warehouse", "{root}/folder"], {}, 1),
    "warehouse is a CSV": ("segments.publish", ["--warehouse", "{root}/seeds/orders.csv"], {}, 1),
    "export without a warehouse": ("segments.publish.export", ["--warehouse", "{root}/missing.db"], {}, 1),
    "unknown flag (publish)": ("segments.publish", ["--colour", "blue"], {}, 2),
    "exports folder is a file": (
        "segments.publish",
        ["--warehouse", "{warehouse}", "--exports", "{root}/a_file", "--reports", "{root}/reports"],
        {},
        1,
    ),
    "reports folder below a file": (
        "segments.publish",
        ["--warehouse", "{warehouse}", "--exports", "{root}/exports", "--reports", "{root}/a_file/reports"],
        {},
        1,
    ),
    "exports folder cannot be made": (
        "segments.publish",
        ["--warehouse", "{warehouse}", "--exports", "/proc/exports", "--reports", "{root}/reports"],
        {},
        1,
    ),
}


def filled(text: str, places: dict[str, str]) -> str:
    for name, value in places.items():
        text = text.replace("{" + name + "}", value)
    return text


@pytest.mark.parametrize("case", BAD_INVOCATIONS)
def test_a_user_error_is_one_line_without_a_traceback(
    case: str, workspace: Path, request: pytest.FixtureRequest
) -> None:
    module, args, env, status = BAD_INVOCATIONS[case]
    places = {"root": str(workspace)}
    if any("{warehouse}" in arg for arg in args):
        project: DbtProject = request.getfixturevalue("built_project")
        places["warehouse"] = str(project.warehouse)
    result = subprocess.run(
        [sys.executable, "-m", module, *(filled(arg, places) for arg in args)],
        cwd=REPO,
        env={
            **os.environ,
            "PYTHONPATH": str(REPO),
            **{key: filled(value, places) for key, value in env.items()},
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert result.returncode == status, result.stderr


@pytest.mark.parametrize("flag", ["--customers", "--orders", "--products"])
def test_a_size_beyond_the_available_memory_is_refused_naming_it(tmp_path: Path, flag: str) -> None:
    """Refused before any work: nothing is written, and the line names the size and the memory."""
    result = subprocess.run(
        [sys.executable, "-m", "seeds_gen", "--out", str(tmp_path / "out"), flag, "100000000"],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO), AVAILABLE_ENV: ONE_GB},
        capture_output=True,
        text=True,
        check=False,
        timeout=30,  # a size that were not refused would take minutes
    )
    assert result.returncode == 2
    assert result.stderr.startswith(f"python -m seeds_gen: error: argument {flag}: ")
    assert "1.0 GB is available" in result.stderr
    assert list((tmp_path / "out").iterdir()) == []


def test_the_default_sizes_fit_in_little_memory(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "seeds_gen", "--out", str(tmp_path), "--as-of", AS_OF],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO), AVAILABLE_ENV: str(BASE_BYTES + (50 << 20))},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_available_memory_reads_meminfo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(AVAILABLE_ENV, raising=False)
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:       24000000 kB\nMemFree:  100 kB\nMemAvailable:    2048 kB\n")
    assert available_memory(meminfo) == 2048 * 1024
    # Without MemAvailable (not Linux, or an old kernel): the free physical pages, or None.
    fallback = available_memory(tmp_path / "missing")
    assert fallback is None or fallback > 0
    monkeypatch.setenv(AVAILABLE_ENV, "12345")
    assert available_memory(meminfo) == 12345


def test_the_estimate_grows_with_every_size() -> None:
    small = sum(estimated_peak(customers=100, products=100, orders=1000).values())
    for sizes in (
        {"customers": 10**7, "products": 100, "orders": 1000},
        {"customers": 100, "products": 10**7, "orders": 1000},
        {"customers": 100, "products": 100, "orders": 10**7},
        {"customers": 100, "products": 100, "appended_orders": 10**6},
    ):
        assert sum(estimated_peak(**sizes).values()) > small + 100 * 2**20, sizes
