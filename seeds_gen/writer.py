"""Atomic CSV output: a reader sees the old file or the new one, never half of one."""

from __future__ import annotations

import tempfile
from functools import partial
from pathlib import Path

import pandas as pd

from atomic_files import replace_atomically


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


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    with open(path, "w", encoding="utf-8", newline="") as stream:
        frame.to_csv(stream, index=False, lineterminator="\n")


def write_csvs_atomically(out: Path, frames: dict[str, pd.DataFrame]) -> list[tuple[Path, int]]:
    """Write every frame to a temporary file first; rename them into place only when all are written."""
    try:
        replace_atomically({out / name: partial(_write_csv, frame) for name, frame in frames.items()})
    except OSError as error:
        raise OutputError(f"cannot write to {str(out)!r}: {error.strerror or error}") from None
    return [(out / name, len(frame)) for name, frame in frames.items()]
