"""The C allocator's settings for a process that generates a data set, and the memory a size needs.

Each period allocates the same few-megabyte numpy temporaries. By default glibc gives such blocks
back to the OS when they are freed (unmapping them, or trimming the heap), so every period faults
its pages in again: at 10M orders 330,000 page faults and about a second of system time in each
process, on this machine. Keeping freed memory for reuse removes nine tenths of them; the peak
memory is the same, it is only held until the process ends.

A size whose estimated peak (``estimated_peak``) is more than the machine has available
(``available_memory``) is refused before any work: at 100M products the catalogue alone is some
14 GB, and a machine without that much swaps or kills the run minutes later.
"""

from __future__ import annotations

import ctypes
import os
import sys
from pathlib import Path

# mallopt parameters, from glibc's malloc.h.
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 << 20  # glibc's largest: blocks below it come from the heap
TRIM_THRESHOLD = 1 << 30  # free memory at the heap's top kept up to this much


def keep_freed_memory() -> None:
    """Have glibc keep freed blocks for reuse; elsewhere (macOS, musl) nothing changes."""
    if not sys.platform.startswith("linux"):
        return
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library the interpreter runs on
    except (OSError, AttributeError):
        return
    mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)
    mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)


# The peak resident memory of a run, in bytes, from its sizes: linear fits to the peak RSS of the
# whole process tree (/proc VmRSS, sampled every 20 ms) at 1M-20M of each size, with about a fifth
# added. What grows: the whole catalogue is held (products); each customer's activity weight
# (customers); a month of orders at a time, about 1/36 of them, with their lines and feedback
# (orders); an appended day whole, until it is written (appended orders).
BASE_BYTES = 120 << 20  # the interpreter, numpy and the second process, at the smallest sizes
BYTES_PER_PRODUCT = 140
BYTES_PER_CUSTOMER = 30
BYTES_PER_ORDER = 45
BYTES_PER_APPENDED_ORDER = 450
# Tests (and a user who knows better) set this to the bytes to take as available.
AVAILABLE_ENV = "SEEDS_GEN_AVAILABLE_MEMORY"


def estimated_peak(
    customers: int, products: int, orders: int = 0, appended_orders: int = 0
) -> dict[str, int]:
    """Each size's share of a run's peak memory, in bytes, and the base under them ("base")."""
    return {
        "base": BASE_BYTES,
        "customers": BYTES_PER_CUSTOMER * customers,
        "products": BYTES_PER_PRODUCT * products,
        "orders": BYTES_PER_ORDER * orders + BYTES_PER_APPENDED_ORDER * appended_orders,
    }


def available_memory(meminfo: Path = Path("/proc/meminfo")) -> int | None:
    """The bytes this run may take without the machine swapping or killing it: $SEEDS_GEN_AVAILABLE_MEMORY if
    set, else Linux's MemAvailable, else the free physical pages; None when nothing tells.

    Raises ValueError when the variable is not a whole number."""
    given = os.environ.get(AVAILABLE_ENV)
    if given is not None:
        if not given.strip().isdigit():
            raise ValueError(f"{AVAILABLE_ENV} must be a whole number of bytes, got {given!r}")
        return int(given)
    try:
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024  # given in KiB
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):  # not on this platform
        return None
