# Two commands on a fresh machine (Python 3.11 and make): `make build`, `make test`.
# Both create .venv when it is missing and install the pinned dependencies into it.

# Prefer an explicit python3.11; any python3 of 3.11 or newer will do.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
DBT := $(BIN)/dbt
WAREHOUSE := warehouse/segments.db
DOCS_HOST := 127.0.0.1
DOCS_PORT := 8080
# apt-get needs root; use sudo when we are not.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# dbt reads profiles.yml from the repo root.
export DBT_PROFILES_DIR := $(CURDIR)
# The day the generated data runs up to (the generator's --as-of). dbt takes its as-of date from
# the data (the last order day) unless SEGMENTS_AS_OF says otherwise.
AS_OF ?= $(shell date +%F)
# A folder with your own customers.csv and orders.csv (and any optional inputs): `make build
# DATA=path/to/folder` loads and segments them instead of generated data (docs/your-data.md).
DATA ?=
# The days of segment history make build replays (python -m segments.history --days), the as-of
# date the last (docs/segment-history.md, "Backfill").
HISTORY_DAYS ?= 14

# make build prints a screenful: each dbt step is one line (segments.publish.summary), more only
# for what warned or failed; dbt's full log is logs/dbt.log. Colours only on a terminal.
QUIET_DBT := $(BIN)/python -m segments.publish.summary $(DBT)
DBT_SHOW = $(DBT) --quiet --log-path logs $$([ -t 1 ] || echo --no-use-colors) show
# The warehouse file the sqlite target writes (profiles.yml).
WAREHOUSE_FILE := $${SEGMENTS_WAREHOUSE_DIR:-warehouse}/segments.db

SEGMENT_HEAD_SQL := select * from {{ ref('customer_segments') }} order by customer_id
SEGMENT_COUNT_SQL := select customer_segment, number_of_customers, total_sales_amount from {{ ref('customer_segment_summary') }} order by segment_rank

.PHONY: build build-your-data seeds dbt-seed dbt-build history docs-generate publish report docs docs-screenshot \
	test test-engines fuzz bench lock lint lint-python lint-sql lint-dbt-parse lint-docs-coverage browser clean

# One target at a time, even under `make -j`: the steps of `build` share one warehouse and each
# reads what the one before wrote (seeds, then dbt seed, dbt build, docs, exports, report).
.NOTPARALLEL:

ifeq ($(strip $(DATA)),)
build: seeds dbt-seed dbt-build history docs-generate publish report
else
build: build-your-data
endif

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit("segments needs Python 3.11 or newer, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	@$(PYTHON) -m venv $(VENV)

# Every package at the version requirements.lock pins (make lock writes it from pyproject.toml).
$(VENV)/.installed-runtime: pyproject.toml requirements.lock | $(BIN)/python
	@echo "Installing the pinned dependencies into $(VENV) (pip install -e '.[sqlite]')"
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[sqlite]'
	@touch $@

$(VENV)/.installed-dev: pyproject.toml requirements.lock $(VENV)/.installed-runtime
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[sqlite,dev]'
	touch $@

# requirements.lock anew after a pin in pyproject.toml changed: a fresh resolution of the default
# install and the dev extra, every package with its version.
lock: | $(BIN)/python
	$(BIN)/python -m pip install --quiet --dry-run --ignore-installed --report $(VENV)/lock-report.json -e '.[sqlite,dev]'
	$(BIN)/python -c 'import json, sys; \
		report = json.load(open(sys.argv[1])); \
		pins = sorted((p["metadata"]["name"].lower().replace("_", "-"), p["metadata"]["version"]) for p in report["install"] if p["metadata"]["name"] != "segments"); \
		head = [line for line in open("requirements.lock") if line.startswith("#")]; \
		open("requirements.lock", "w").write("".join(head) + "".join(f"{n}=={v}\n" for n, v in pins))' $(VENV)/lock-report.json

# Refuses (one line) to replace CSV files in seeds/ that the generator did not write. Prints one
# line, the rows per file (the generator's own lines are in logs/seeds_gen.log).
seeds: $(VENV)/.installed-runtime
	@mkdir -p logs
	@$(BIN)/python -m seeds_gen --as-of $(AS_OF) 2> logs/seeds_gen.log || { cat logs/seeds_gen.log >&2; exit 1; }
	@awk '/^wrote / { sub(/\.csv$$/, "", $$5); sub(/^seeds\//, "", $$5); \
		line = line (line ? ", " : "") $$2 " " $$5 } END { print "seeds/ (as of $(AS_OF)): " line }' logs/seeds_gen.log

# The generated CSVs into the raw tables (the `shop` source).
dbt-seed: $(VENV)/.installed-runtime
	@$(QUIET_DBT) seed

# Your CSVs into the raw tables (read only: nothing is written into DATA), then the build with the
# optional inputs the folder holds (SEGMENTS_INPUTS, from segments.bulk_load --list-inputs). The
# second make takes the install as done: this one saw to it (make passes no -o down).
build-your-data: $(VENV)/.installed-runtime
	@test -d "$(DATA)" || { echo "make build: DATA=$(DATA) is not a folder"; exit 2; }
	@$(BIN)/python -m segments.bulk_load --data-dir "$(DATA)"
	@inputs=$$($(BIN)/python -m segments.bulk_load --data-dir "$(DATA)" --list-inputs) && \
		SEGMENTS_INPUTS="$$inputs" $(MAKE) --no-print-directory -o $(VENV)/.installed-runtime \
			dbt-build docs-generate publish report

# Default seeds only when there are none: never overwrites seeds you generated yourself.
seeds/customers.csv seeds/orders.csv: | $(VENV)/.installed-runtime
	$(BIN)/python -m seeds_gen --as-of $(AS_OF)

# --full-refresh: the seeds were just generated anew (every order's date moves with the as-of
# date), and an incremental run only adds orders it has not seen
# (docs/loading-and-refresh.md, "Incremental refresh").
# A failed build ends with the marts it left holding an earlier build's data (segments.publish.status).
dbt-build: $(VENV)/.installed-runtime
	@$(QUIET_DBT) build --full-refresh || { $(BIN)/python -m segments.publish.status; exit 1; }

# The segment history over the last HISTORY_DAYS days, one snapshot a day, and its marts
# published (docs/segment-history.md). One line; a failure ends with which marts are stale.
history: $(VENV)/.installed-runtime
	@$(BIN)/python -m segments.history --days $(HISTORY_DAYS) || { $(BIN)/python -m segments.publish.status; exit 1; }

docs-generate: $(VENV)/.installed-runtime
	@$(QUIET_DBT) docs generate

# Exports (exports/), charts and the HTML report (reports/), all read from the warehouse.
publish: $(VENV)/.installed-runtime
	@$(BIN)/python -m segments.publish

report: $(VENV)/.installed-runtime
	@echo
	@echo "First rows of customer_segments ($(WAREHOUSE_FILE)):"
	@$(DBT_SHOW) --limit 10 --inline "$(SEGMENT_HEAD_SQL)"
	@echo "Customers per segment:"
	@$(DBT_SHOW) --inline "$(SEGMENT_COUNT_SQL)"
	@echo "Docs: target/index.html (make docs serves them). dbt's full log: logs/dbt.log"
	@$(BIN)/python -m segments.publish.status

$(WAREHOUSE): | seeds/customers.csv seeds/orders.csv
	$(DBT) seed
	$(DBT) build

# The docs site two ways: served on http://127.0.0.1:8080, and as one static file.
docs: $(VENV)/.installed-runtime | $(WAREHOUSE)
	$(DBT) docs generate --static
	@echo "Static docs, no server needed: open target/static_index.html"
	@echo "Serving the docs on http://$(DOCS_HOST):$(DOCS_PORT) (Ctrl-C stops)"
	$(DBT) docs serve --host $(DOCS_HOST) --port $(DOCS_PORT) --no-browser

# Refresh the committed screenshot of the lineage graph (docs/lineage-graph.png).
docs-screenshot: $(VENV)/.installed-dev browser
	SEGMENTS_SCREENSHOT=$(CURDIR)/docs/lineage-graph.png $(BIN)/python -m pytest -q tests/python/docs/test_docs_browser.py

# Debian's chromium for the docs browser test, installed when missing.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "Installing Debian's chromium for the docs browser test"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }

lint: lint-python lint-sql lint-dbt-parse lint-docs-coverage

lint-python: $(VENV)/.installed-dev
	$(BIN)/ruff check seeds_gen segments tests benchmarks
	$(BIN)/ruff format --check seeds_gen segments tests benchmarks

# The dbt templater compiles the project, whose staging models ref the seeds: they must exist.
lint-sql: $(VENV)/.installed-dev | seeds/customers.csv seeds/orders.csv
	$(BIN)/sqlfluff lint models macros tests

# Current dbt 1.11 YAML only: any deprecation warning fails.
lint-dbt-parse: $(VENV)/.installed-dev | seeds/customers.csv seeds/orders.csv
	@$(DBT) --no-use-colors parse --no-partial-parse > $(VENV)/dbt-parse.log 2>&1 || { cat $(VENV)/dbt-parse.log; exit 1; }
	@if grep -i deprecat $(VENV)/dbt-parse.log; then echo "dbt parse printed deprecation warnings (above)"; exit 1; fi
	@echo "dbt parse: no deprecation warnings"

# Documentation and test coverage (dbt-bouncer.yml) on artifacts from a temporary warehouse.
lint-docs-coverage: $(VENV)/.installed-dev | seeds/customers.csv seeds/orders.csv
	@scratch=$$(mktemp -d) && trap 'rm -rf "$$scratch"' EXIT && \
		SEGMENTS_WAREHOUSE_DIR=$$scratch $(DBT) --quiet seed && \
		SEGMENTS_WAREHOUSE_DIR=$$scratch $(DBT) --quiet run && \
		SEGMENTS_WAREHOUSE_DIR=$$scratch $(DBT) --quiet docs generate && \
		COLUMNS=160 $(BIN)/dbt-bouncer --config-file dbt-bouncer.yml --show-all-failures

test: $(VENV)/.installed-dev browser lint
	$(BIN)/python -m pytest

# The raw-data fuzzer at length, each example printed (tests/python/reliability/test_fuzz.py;
# make test tries 4).
fuzz: $(VENV)/.installed-dev
	SEGMENTS_FUZZ_EXAMPLES=$${SEGMENTS_FUZZ_EXAMPLES:-200} $(BIN)/python -m pytest -m fuzz -n 0 -s \
		--hypothesis-verbosity=verbose tests/python/reliability/test_fuzz.py

# The other engines, one venv each (their adapters cannot share one with dbt-sqlite).
ENGINES := duckdb postgres spark

.venv-%/.installed: pyproject.toml
	$(PYTHON) -m venv .venv-$*
	.venv-$*/bin/python -m pip install --quiet --upgrade pip
	.venv-$*/bin/python -m pip install --quiet -e '.[$*]'
	touch $@

# The same seeds built on SQLite, DuckDB, PostgreSQL (a throwaway cluster the tests start and
# stop) and Spark (local mode); every mart's fingerprint must match SQLite's. Also bulk_load's
# all-or-nothing load on PostgreSQL (loading/test_bulk_load.py), and python -m segments.publish on DuckDB
# and PostgreSQL giving SQLite's exports and report (engines/test_publish_engines.py).
# Publishing on DuckDB is left out: its second DuckDB build, beside the cross-engine one, took
# DuckDB's default memory limit (80% of RAM) at the K-means unit tests and was killed for memory.
test-engines: $(VENV)/.installed-dev $(foreach engine,$(ENGINES),.venv-$(engine)/.installed)
	rm -rf test-artifacts/fingerprints
	$(BIN)/python -m pytest -m engines tests/python/engines/test_cross_engine.py tests/python/loading/test_bulk_load.py \
		tests/python/engines/test_publish_engines.py \
		--deselect "tests/python/engines/test_publish_engines.py::test_publish_gives_the_same_exports_and_report_as_on_sqlite[duckdb]"
	@echo "Mart fingerprints (the test allows a float sum one millionth apart; otherwise equal):"
	@cd test-artifacts/fingerprints && sha256sum sqlite.json $(foreach engine,$(ENGINES),$(engine).json) duckdb-bulk.json postgres-bulk.json

# The pipeline at 1k, 100k, 1M and 10M orders: generate, load, build, refresh (benchmarks/scale.py).
# BENCH_SIZES="1000 100000" for a quicker table.
BENCH_SIZES ?= 1000 100000 1000000 10000000
bench: $(VENV)/.installed-runtime .venv-duckdb/.installed
	$(BIN)/python benchmarks/scale.py --sizes $(BENCH_SIZES)

clean:
	rm -rf target logs warehouse/*.db seeds/*.csv test-artifacts exports reports
