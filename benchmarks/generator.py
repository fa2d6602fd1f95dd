"""Time `python -m seeds_gen` at growing sizes and print one line per size.

    .venv/bin/python benchmarks/generator.py [--sizes 100000 1000000] [--repeat 3]

A benchmark, not a test: it prints figures and asserts nothing. With --repeat, each size runs that
many times and the fastest run is shown (on a shared machine the others measure the neighbours).
CPU seconds add up every process of the run: on a loaded machine they move less than the wall time.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Run:
    seconds: float
    cpu_seconds: float  # user and system time of the generator and its second process
    peak_mb: float  # the largest single process so far, not the sum of concurrent ones


def children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_generator(orders: int, out: Path) -> Run:
    customers = max(orders // 10, 1)
    cpu_before = children_cpu_seconds()
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "seeds_gen",
            "--customers",
            str(customers),
            "--orders",
            str(orders),
            "--as-of",
            "2026-06-30",
            "--out",
            str(out),
        ],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    elapsed = time.perf_counter() - started
    # The largest child so far: sizes grow, so this is the run just timed.
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return Run(elapsed, children_cpu_seconds() - cpu_before, peak_mb)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=1, help="runs per size; the fastest is shown")
    args = parser.parse_args()
    print(f"{'orders':>12} {'customers':>10} {'seconds':>8} {'cpu s':>7} {'peak MB':>8} {'orders/s':>12}")
    with tempfile.TemporaryDirectory() as scratch:
        for orders in args.sizes:
            run = min(
                (time_generator(orders, Path(scratch)) for _ in range(max(args.repeat, 1))),
                key=lambda run: run.seconds,
            )
            customers = max(orders // 10, 1)
            rate = orders / run.seconds
            print(
                f"{orders:>12,} {customers:>10,} {run.seconds:>8.2f} {run.cpu_seconds:>7.2f} "
                f"{run.peak_mb:>8.0f} {rate:>12,.0f}"
            )


if __name__ == "__main__":
    main()
