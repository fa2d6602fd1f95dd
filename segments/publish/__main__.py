"""``python -m segments.publish``: the exports, then the charts, then the report that embeds them
(segments.publish.pipeline)."""

from segments.publish.pipeline import main

if __name__ == "__main__":
    raise SystemExit(main())
