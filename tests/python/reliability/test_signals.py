"""SIGTERM and SIGHUP stop the generator and bulk_load as Ctrl-C (SIGINT) does: no process left
behind, no temporary file or scratch folder left, the previous files and tables as they were, one
line on stderr and exit status 128 + the signal's number.

Each run is big enough to use its second process (seeds_gen.dataset.PARALLEL_FROM orders; a
bulk_load of two files or more) and is stopped as soon as that process and the temporary files
exist, so the tests take seconds.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from support import AS_OF, REPO, run_generator

from seeds_gen.dataset import PARALLEL_FROM
from segments.atomic_files.signals import in_forked_process, raise_on_stopping_signals, start_forked

# Enough orders for the second process, and for a run of several seconds: it is stopped long
# before it ends.
BIG_ORDERS = str(max(PARALLEL_FROM, 2_000_000))
WAIT_SECONDS = 60


def start(module: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", module, *args],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def children(pid: int) -> dict[int, str]:
    """The processes whose parent is `pid` (a /proc scan), each with its start time, which tells
    it apart from a later process given the same id."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended while we looked
            continue
        if int(fields[1]) == pid:
            found[int(entry.name)] = fields[19]
    return found


def still_running(processes: dict[int, str]) -> list[int]:
    running = []
    for pid, started in processes.items():
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[19] == started and fields[0] != "Z":
            running.append(pid)
    return running


def wait_for(condition: Callable[[], bool], process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        assert process.poll() is None, f"ended before it could be stopped: {process.communicate()}"
        assert time.monotonic() < deadline, "the run never reached the point to stop it at"
        time.sleep(0.01)


def stop(
    process: subprocess.Popen[str], signum: int, ready: Callable[[], bool], second_process: bool = True
) -> tuple[str, list[int]]:
    """Send `signum` once `ready()` holds and (unless told otherwise) the second process runs; its
    stderr, and the processes it started that still run after it ended."""
    wait_for(lambda: (bool(children(process.pid)) or not second_process) and ready(), process)
    second = children(process.pid)
    process.send_signal(signum)
    try:
        _, stderr = process.communicate(timeout=WAIT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        raise
    left = still_running(second)
    for pid in left:  # not to leave them to the next test
        os.kill(pid, signal.SIGKILL)
    return stderr, left


def assert_stopped(process: subprocess.Popen[str], stderr: str, signum: int, prog: str) -> None:
    assert process.returncode == 128 + signum, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith(f"{prog}: stopped by {signal.Signals(signum).name}"), stderr
    assert "Traceback" not in stderr


def snapshot(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT], ids=lambda s: s.name)
def test_a_stopped_generator_leaves_no_process_and_no_temporary_file(tmp_path: Path, signum: int) -> None:
    out = tmp_path / "seeds"
    first = run_generator("--out", str(out), "--as-of", AS_OF, "--customers", "9", "--orders", "20")
    assert first.returncode == 0, first.stderr
    before = snapshot(out)

    generator = start("seeds_gen", "--out", str(out), "--as-of", AS_OF, "--orders", BIG_ORDERS)
    temporaries = lambda: any(path.name.endswith(".tmp.csv") for path in out.iterdir())  # noqa: E731
    stderr, left = stop(generator, signum, temporaries)

    assert left == [], f"the second process outlived the generator: {left}"
    assert_stopped(generator, stderr, signum, "python -m seeds_gen")
    assert snapshot(out) == before  # no temporary file left, the previous data set untouched


def raw_tables(warehouse: Path) -> dict[str, list[tuple]]:
    with sqlite3.connect(warehouse) as connection:
        names = [
            name for (name,) in connection.execute("select name from sqlite_master where type = 'table'")
        ]
        return {name: connection.execute(f"select * from {name} order by rowid").fetchall() for name in names}


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=lambda s: s.name)
def test_a_stopped_load_leaves_no_process_no_scratch_folder_and_the_old_tables(
    tmp_path: Path, signum: int
) -> None:
    small, big = tmp_path / "small", tmp_path / "big"
    for folder, orders in ((small, "20"), (big, "300000")):
        generated = run_generator(
            "--out", str(folder), "--as-of", AS_OF, "--customers", "50", "--orders", orders
        )
        assert generated.returncode == 0, generated.stderr
    warehouse = tmp_path / "warehouse" / "segments.db"
    loaded = subprocess.run(
        [sys.executable, "-m", "segments.bulk_load", "--data-dir", str(small), "--warehouse", str(warehouse)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert loaded.returncode == 0, loaded.stderr
    before = raw_tables(warehouse)

    load = start("segments.bulk_load", "--data-dir", str(big), "--warehouse", str(warehouse))
    scratch = lambda: any(path.name.startswith(".bulk_load-") for path in warehouse.parent.iterdir())  # noqa: E731
    stderr, left = stop(load, signum, scratch)

    assert left == [], f"the second process outlived the load: {left}"
    assert_stopped(load, stderr, signum, "bulk_load")
    assert sorted(path.name for path in warehouse.parent.iterdir()) == ["segments.db"]
    assert raw_tables(warehouse) == before


def reading(pid: int, folder: Path) -> bool:
    """Whether process `pid` has a file of `folder` open (a /proc scan of its descriptors)."""
    try:
        descriptors = list(Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return False
    for descriptor in descriptors:
        try:
            if Path(os.readlink(descriptor)).parent == folder:
                return True
        except OSError:  # closed while we looked
            continue
    return False


def duckdb_tables(warehouse: Path) -> dict[str, list[tuple]]:
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as connection:
        names = [name for (name,) in connection.execute("show tables").fetchall()]
        return {name: connection.execute(f"select * from {name} order by all").fetchall() for name in names}


def test_a_stopped_duckdb_load_keeps_the_old_tables(tmp_path: Path) -> None:
    """DuckDB runs the signal handlers while a query runs and interrupts it: the stop is still one
    line and 143, the load rolled back."""
    pytest.importorskip("duckdb")
    small, big = tmp_path / "small", tmp_path / "big"
    for folder, orders in ((small, "20"), (big, "300000")):
        generated = run_generator(
            "--out", str(folder), "--as-of", AS_OF, "--customers", "50", "--orders", orders
        )
        assert generated.returncode == 0, generated.stderr
    warehouse = tmp_path / "segments.duckdb"
    args = ("--target", "duckdb", "--warehouse", str(warehouse), "--data-dir")
    loaded = subprocess.run(
        [sys.executable, "-m", "segments.bulk_load", *args, str(small)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert loaded.returncode == 0, loaded.stderr
    before = duckdb_tables(warehouse)

    load = start("segments.bulk_load", *args, str(big))
    stderr, _ = stop(load, signal.SIGTERM, lambda: reading(load.pid, big), second_process=False)

    assert_stopped(load, stderr, signal.SIGTERM, "bulk_load")
    assert duckdb_tables(warehouse) == before


def _slow_to_set_its_handlers() -> None:
    time.sleep(0.5)  # the window a fast-failing load hit: forked, handlers not yet its own
    in_forked_process()
    time.sleep(WAIT_SECONDS)


def test_a_second_process_stopped_before_it_set_its_handlers_is_quiet(
    capfd: pytest.CaptureFixture[str],
) -> None:
    """bulk_load ends its second process as soon as its own half fails; a SIGTERM that reached the
    child before in_forked_process() ran raised Stopped there and printed a traceback above the
    one-line error. start_forked holds the signal until the child's handlers are in place."""
    process = multiprocessing.get_context("fork").Process(target=_slow_to_set_its_handlers)
    with raise_on_stopping_signals():
        start_forked(process)
        time.sleep(0.1)
        process.terminate()
        process.join(WAIT_SECONDS)
    assert process.exitcode == -signal.SIGTERM
    assert capfd.readouterr().err == ""
