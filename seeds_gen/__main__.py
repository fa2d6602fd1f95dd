"""``python -m seeds_gen`` (console script: seeds-gen)."""

from seeds_gen.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
