"""Atomic file replacement: readers see the previous file or the new one, never a partial one.

Shared by the generator (seeds) and publish (exports, charts, report)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def readable_mode() -> int:
    """The mode a plainly created file gets: 0o666 less the process umask."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def replace_atomically(targets: dict[Path, Callable[[Path], None]]) -> None:
    """Write every target to a temporary file beside it, then rename them all into place.

    If any writer fails, no target is touched and the temporary files are removed.
    """
    staged: list[tuple[Path, Path]] = []
    try:
        for target, write in targets.items():
            target.parent.mkdir(parents=True, exist_ok=True)
            # Hidden, and keeping the suffix: some writers (openpyxl) check it.
            handle, temp_name = tempfile.mkstemp(
                dir=target.parent, prefix=f".{target.stem}.", suffix=f".tmp{target.suffix}"
            )
            os.close(handle)
            os.chmod(temp_name, readable_mode())  # mkstemp makes it owner-only
            staged.append((Path(temp_name), target))
            write(Path(temp_name))
        for temp, target in staged:
            os.replace(temp, target)
    finally:
        for temp, _ in staged:
            temp.unlink(missing_ok=True)
