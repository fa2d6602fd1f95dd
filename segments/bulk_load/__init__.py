"""Bulk load: fill the raw tables that `dbt seed` fills, at the speed of the warehouse's own
loader, for data too large to seed. See segments/bulk_load/sqlite.py."""
