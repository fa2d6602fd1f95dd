"""``python -m segments.bulk_load`` (console script: segments-load)."""

from segments.bulk_load.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
