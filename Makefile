# Two commands on a fresh machine (Python 3.11 and make): `make build`, `make test`.
# Both create .venv when it is missing and install the pinned dependencies into it.

# Prefer an explicit python3.11; any python3 of 3.11 or newer will do.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
DBT := $(BIN)/dbt
# dbt reads profiles.yml from the repo root; keep its logs and artifacts out of the way of git.
export DBT_PROFILES_DIR := $(CURDIR)

SEGMENT_HEAD_SQL := select * from {{ ref('customer_segments') }} order by customer_id
SEGMENT_COUNT_SQL := select customer_segment, number_of_customers, total_sales_amount from {{ ref('customer_segment_summary') }} order by segment_rank

.PHONY: build seeds dbt-build docs-generate report test lint clean

build: seeds dbt-build docs-generate report

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit("segments needs Python 3.11 or newer, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-runtime: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed-runtime
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

seeds: $(VENV)/.installed-runtime
	$(BIN)/python -m seeds_gen

dbt-build: $(VENV)/.installed-runtime
	$(DBT) build

docs-generate: $(VENV)/.installed-runtime
	$(DBT) docs generate

report: $(VENV)/.installed-runtime
	@echo "First rows of customer_segments (warehouse/segments.db):"
	@$(DBT) --quiet show --limit 10 --inline "$(SEGMENT_HEAD_SQL)"
	@echo
	@echo "Customers per segment:"
	@$(DBT) --quiet show --inline "$(SEGMENT_COUNT_SQL)"

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check seeds_gen tests benchmarks
	$(BIN)/ruff format --check seeds_gen tests benchmarks

test: $(VENV)/.installed-dev lint
	$(BIN)/python -m pytest

clean:
	rm -rf target logs warehouse/*.db seeds/*.csv
