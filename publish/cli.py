"""The command line every publish module shares: --warehouse, its own output paths, one error line."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from pathlib import Path

from publish.status import publishable
from publish.warehouse import Warehouse, WarehouseError, default_warehouse


def run(
    prog: str,
    description: str,
    outputs: dict[str, tuple[str, str]],
    publish: Callable[[Warehouse, argparse.Namespace], list[Path]],
    argv: Sequence[str] | None = None,
) -> int:
    """outputs: flag -> (default path, help). Prints each file written; a missing or unbuilt
    warehouse, or a mart older than the raw data it comes from (publish.status), ends with exit
    status 1 and one line saying what to do, before anything is written."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--warehouse", type=Path, default=default_warehouse(), help="SQLite warehouse file")
    for flag, (default, help_text) in outputs.items():
        parser.add_argument(flag, type=Path, default=Path(default), help=f"{help_text} (default: {default})")
    args = parser.parse_args(argv)
    try:
        warehouse = Warehouse(args.warehouse)
        # The marts there to publish, once none is stale; publish(...) reads args.marts.
        args.marts = publishable(warehouse)
        written = publish(warehouse, args)
    except WarehouseError as error:
        parser.exit(1, f"{prog}: error: {error}\n")
    for path in written:
        print(f"wrote {path}")
    return 0
