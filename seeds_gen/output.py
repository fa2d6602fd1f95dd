"""Where the rows go: the output directory's checks, and a progress bar for people watching."""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from typing import TextIO


class OutputError(Exception):
    """The output directory cannot take the files."""


def check_writable(out: Path) -> None:
    """Create ``out`` if needed and prove a file can be made in it, before any work."""
    if out.exists() and not out.is_dir():
        raise OutputError(f"cannot write to {str(out)!r}: it is a file, not a directory")
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as error:
        raise OutputError(f"cannot write to {str(out)!r}: {error.strerror or error}") from None


class Progress:
    """A one-line bar on a terminal (``\\r``-redrawn, at most ten times a second); silent otherwise."""

    WIDTH = 30

    def __init__(
        self, label: str, total: int, stream: TextIO = sys.stderr, enabled: bool | None = None
    ) -> None:
        self.label, self.total, self.stream = label, max(total, 1), stream
        self.enabled = stream.isatty() if enabled is None else enabled
        self.done = 0
        self.started = self.drawn = time.perf_counter()

    def advance(self, amount: int) -> None:
        self.done += amount
        now = time.perf_counter()
        if self.enabled and (now - self.drawn >= 0.1 or self.done >= self.total):
            self.drawn = now
            self._draw(now)

    def finish(self) -> None:
        if self.enabled:
            self._draw(time.perf_counter())
            self.stream.write("\n")
            self.stream.flush()

    def _draw(self, now: float) -> None:
        share = min(self.done / self.total, 1.0)
        bar = "#" * round(share * self.WIDTH)
        counts = f"{self.done:,}/{self.total:,} {now - self.started:.1f} s"
        self.stream.write(f"\r{self.label} [{bar:<{self.WIDTH}}] {share:4.0%} {counts}")
        self.stream.flush()
