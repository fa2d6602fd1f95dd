"""Time `python -m seeds_gen` at growing sizes and print one line per size.

    .venv/bin/python benchmarks/generator.py [--sizes 100000 1000000]

A benchmark, not a test: it prints figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def time_generator(orders: int, out: Path) -> tuple[float, float]:
    customers = max(orders // 10, 1)
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
    return elapsed, peak_mb


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    args = parser.parse_args()
    print(f"{'orders':>12} {'customers':>10} {'seconds':>8} {'peak MB':>8} {'orders/s':>12}")
    with tempfile.TemporaryDirectory() as scratch:
        for orders in args.sizes:
            elapsed, peak_mb = time_generator(orders, Path(scratch))
            customers = max(orders // 10, 1)
            rate = orders / elapsed
            print(f"{orders:>12,} {customers:>10,} {elapsed:>8.2f} {peak_mb:>8.0f} {rate:>12,.0f}")


if __name__ == "__main__":
    main()
