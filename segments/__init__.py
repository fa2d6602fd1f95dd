"""The project's Python tools, beside the generator (seeds_gen, top-level):

- segments.warehouse: a connection to the current dbt target's warehouse (SQLite, DuckDB,
  PostgreSQL), as profiles.yml and SEGMENTS_TARGET name it;
- segments.bulk_load: CSVs into the raw tables (`python -m segments.bulk_load`, `segments-load`);
- segments.publish: exports, charts, the HTML report and the build status (`python -m
  segments.publish`, `segments-publish`; `python -m segments.publish.status`, `segments-status`);
- segments.atomic_files: atomic file replacement and the stopping signals, shared by the tools.

Every command line has a `main(argv=None) -> int`; its `__main__.py` raises SystemExit(main()).
"""
