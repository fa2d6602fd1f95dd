"""Bad arguments: exit status 2, one readable line naming the argument, no file changed."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from support import run_generator

from seeds_gen import catalog
from seeds_gen.config import resolve_config
from seeds_gen.dataset import generate
from seeds_gen.output import Progress

BAD_ARGUMENTS = [
    (["--customers", "0"], "--customers"),
    (["--customers", "-3"], "--customers"),
    (["--customers", "abc"], "--customers"),
    (["--customers", "1.5"], "--customers"),
    (["--customers", ""], "--customers"),
    (["--customers", "1000000000"], "--customers"),
    (["--orders", "0"], "--orders"),
    (["--orders", "-1"], "--orders"),
    (["--orders", "ten"], "--orders"),
    (["--orders", "10", "--customers", "0"], "--customers"),
    (["--products", "0"], "--products"),
    (["--products", "many"], "--products"),
    (["--messy-rate", "-0.1"], "--messy-rate"),
    (["--messy-rate", "0.6"], "--messy-rate"),
    (["--messy-rate", "lots"], "--messy-rate"),
    (["--messy-rate", "1e-3"], "--messy-rate"),
    (["--seed", "-1"], "--seed"),
    (["--seed", "forty-two"], "--seed"),
    (["--as-of", "2026-02-30"], "--as-of"),
    (["--as-of", "2026/01/31"], "--as-of"),
    (["--as-of", "tomorrow"], "--as-of"),
    (["--as-of", "20260131"], "--as-of"),
    (["--as-of", "0001-01-01"], "--as-of"),
    (["--as-of"], "--as-of"),
    (["--colour", "blue"], "--colour"),
    (["--append-day", "--customers", "5"], "--customers"),
    (["--append-day", "--products", "5"], "--products"),
    (["--append-day", "--seed", "7"], "--seed"),
    (["--append-day", "--as-of", "2026-01-31"], "--as-of"),
    (["--append-day", "--messy-rate", "0.1"], "--messy-rate"),
    (["--append-day", "--orders", "0"], "--orders"),
    (["--append-day", "yes"], "yes"),
]


def snapshot(directory: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(directory.iterdir())}


@pytest.fixture
def existing_seeds(tmp_path: Path) -> Path:
    out = tmp_path / "seeds"
    result = run_generator("--out", str(out), "--customers", "5", "--orders", "7")
    assert result.returncode == 0, result.stderr
    return out


def assert_refused(result, argument: str) -> None:
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("python -m seeds_gen: error: ")
    assert argument in lines[0]
    assert result.stdout == ""


@pytest.mark.parametrize(("args", "argument"), BAD_ARGUMENTS)
def test_bad_argument_exits_2_and_changes_nothing(existing_seeds, args, argument):
    before = snapshot(existing_seeds)
    result = run_generator("--out", str(existing_seeds), *args)
    assert_refused(result, argument)
    assert snapshot(existing_seeds) == before


def test_messages_say_what_is_wrong():
    assert "at least 1" in run_generator("--customers", "0").stderr
    assert "whole number" in run_generator("--orders", "abc").stderr
    assert "YYYY-MM-DD" in run_generator("--as-of", "2026-13-01").stderr


def test_output_path_that_is_a_file(tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("keep me\n")
    result = run_generator("--out", str(blocker))
    assert_refused(result, "--out")
    assert "not a directory" in result.stderr
    assert blocker.read_text() == "keep me\n"


def test_output_path_below_a_file(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("keep me\n")
    result = run_generator("--out", str(blocker / "seeds"))
    assert_refused(result, "--out")
    assert blocker.read_text() == "keep me\n"


def test_output_directory_is_created_when_missing(tmp_path):
    out = tmp_path / "new" / "seeds"
    result = run_generator("--out", str(out), "--customers", "3", "--orders", "4")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        ".seeds_gen.json",
        "customer_feedback.csv",
        "customers.csv",
        "order_items.csv",
        "orders.csv",
        "products.csv",
    ]


def test_appending_where_there_is_no_data_set(tmp_path):
    result = run_generator("--out", str(tmp_path), "--append-day")
    assert_refused(result, "--append-day")
    assert "generate one first" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_appending_to_files_changed_since_generation(existing_seeds):
    with open(existing_seeds / "orders.csv", "a") as orders:
        orders.write("999,1,2026-01-01,10.00\n")
    before = snapshot(existing_seeds)
    result = run_generator("--out", str(existing_seeds), "--append-day")
    assert_refused(result, "--append-day")
    assert "orders.csv is not as the generator left it" in result.stderr
    assert snapshot(existing_seeds) == before


def test_a_failed_write_leaves_the_previous_files_and_no_temporaries(existing_seeds, monkeypatch):
    before = snapshot(existing_seeds)

    def disk_full(*_: object) -> bytes:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(catalog, "line_rows", disk_full)  # half-way: customers and orders are written
    config = resolve_config(seed=1, as_of=date(2026, 6, 30), customers=5, orders=7)
    with pytest.raises(OSError, match="No space left on device"):
        generate(config, existing_seeds, Progress("orders", 7, enabled=False))
    assert snapshot(existing_seeds) == before


def test_never_overwrites_files_it_did_not_write(tmp_path):
    """A user's own export in the output directory, or a generated file edited since, stays as it is
    unless --overwrite says otherwise; files it wrote itself are replaced as before."""
    out = tmp_path / "seeds"
    args = ["--out", str(out), "--as-of", "2026-06-30", "--customers", "20", "--orders", "50"]
    assert run_generator(*args).returncode == 0
    assert run_generator(*args).returncode == 0, "its own files must be replaceable"
    assert run_generator("--out", str(out), "--append-day").returncode == 0
    assert run_generator(*args).returncode == 0, "its own appended files must be replaceable"

    mine = out / "orders.csv"
    mine.write_bytes(b"order_id,customer_id,order_date,amount\r\n1,1,2024-01-01,9.99\r\n")
    refused = run_generator(*args)
    assert refused.returncode == 2
    assert refused.stderr.count("\n") == 1
    assert f"{mine} not written by this generator" in refused.stderr
    assert "--overwrite" in refused.stderr
    assert mine.read_bytes() == b"order_id,customer_id,order_date,amount\r\n1,1,2024-01-01,9.99\r\n"

    foreign = tmp_path / "export"
    foreign.mkdir()
    (foreign / "customers.csv").write_text("customer_id,registration_date\n1,2024-01-01\n")
    assert run_generator("--out", str(foreign), "--customers", "20", "--orders", "50").returncode == 2
    assert (foreign / "customers.csv").read_text() == "customer_id,registration_date\n1,2024-01-01\n"

    assert run_generator(*args, "--overwrite").returncode == 0
    assert mine.read_bytes() != b"order_id,customer_id,order_date,amount\r\n1,1,2024-01-01,9.99\r\n"
