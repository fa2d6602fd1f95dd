"""Atomic file replacement: readers see the previous file or the new one, never a partial one.

Shared by the generator (seeds) and publish (exports, charts, report)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


def readable_mode() -> int:
    """The mode a plainly created file gets: 0o666 less the process umask."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


@contextmanager
def staged(targets: list[Path]) -> Iterator[dict[Path, Path]]:
    """Temporary paths beside each target; on a clean exit all are renamed into place.

    If the block raises, no target is touched and the temporary files are removed.
    """
    temps: dict[Path, Path] = {}
    try:
        for target in targets:
            target.parent.mkdir(parents=True, exist_ok=True)
            # Hidden, and keeping the suffix: some writers (openpyxl) check it.
            handle, temp_name = tempfile.mkstemp(
                dir=target.parent, prefix=f".{target.stem}.", suffix=f".tmp{target.suffix}"
            )
            os.close(handle)
            os.chmod(temp_name, readable_mode())  # mkstemp makes it owner-only
            temps[target] = Path(temp_name)
        yield temps
        for target, temp in temps.items():
            os.replace(temp, target)
    finally:
        for temp in temps.values():
            temp.unlink(missing_ok=True)


def replace_atomically(targets: dict[Path, Callable[[Path], None]]) -> None:
    """Write every target to a temporary file beside it, then rename them all into place."""
    with staged(list(targets)) as temps:
        for target, write in targets.items():
            write(temps[target])
