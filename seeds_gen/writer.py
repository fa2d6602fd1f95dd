"""Atomic CSV output: a reader sees the old file or the new one, never half of one."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd


class OutputError(Exception):
    """The output directory cannot take the files."""


def _readable_mode() -> int:
    """The mode a plainly created file gets: 0o666 less the process umask."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


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


def write_csvs_atomically(out: Path, frames: dict[str, pd.DataFrame]) -> list[tuple[Path, int]]:
    """Write every frame to a temporary file first; rename them into place only when all are written."""
    staged: list[tuple[Path, Path, int]] = []
    try:
        for name, frame in frames.items():
            handle, temp_name = tempfile.mkstemp(dir=out, prefix=f".{name}.", suffix=".tmp")
            staged.append((Path(temp_name), out / name, len(frame)))
            os.chmod(temp_name, _readable_mode())  # mkstemp makes it owner-only
            with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
                frame.to_csv(stream, index=False, lineterminator="\n")
        for temp, final, _ in staged:
            os.replace(temp, final)
    except OSError as error:
        raise OutputError(f"cannot write to {str(out)!r}: {error.strerror or error}") from None
    finally:
        for temp, _, _ in staged:
            temp.unlink(missing_ok=True)
    return [(final, rows) for _, final, rows in staged]
