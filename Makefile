# The handful of targets people and CI both use. Every target sets up .venv first when it is missing or stale.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DATA_DIR ?= data
LANDING ?= $(DATA_DIR)/landing
export GX_ANALYTICS_ENABLED := false
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: setup run test test-fast test-spark dev benchmark benchmark-ui clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[generate,test]'
	$(BIN)/python -m orchestration.prepare > /dev/null    # the dbt manifest and the report's Vega bundle
	touch $(STAMP)

setup: $(STAMP)

## run: generate the demo feeds (once) and materialise every asset; every output lands under $(DATA_DIR)/
run: setup
	test -d $(LANDING) || $(BIN)/sme-warehouse generate --out $(LANDING) --scale demo --quiet
	$(BIN)/sme-warehouse run --data-dir $(DATA_DIR) --landing $(LANDING)

## test: the whole test suite (what CI runs) on TEST_WORKERS processes; each test file stays on one worker, so its
## module fixtures (a dbt build, a pipeline run) are built once
TEST_WORKERS ?= 2
test: setup
	bash scripts/install-browser.sh
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile

## test-fast: the edit loop, under a minute: no end-to-end pipelines, no dbt builds, no browser
test-fast: setup
	$(BIN)/pytest -m "not slow and not browser"

## test-spark: build the dbt project on DuckDB and on Spark 3.5 (local session), then compare every mart row by row
test-spark:
	bash scripts/test-spark.sh

## dev: the Dagster UI on the same definitions and the same instance `make run` records in, at http://127.0.0.1:3000
dev: setup
	DAGSTER_HOME=$$($(BIN)/python -m orchestration.instance $(DATA_DIR)) SME_DATA_DIR=$(abspath $(DATA_DIR)) \
		SME_LANDING_DIR=$(abspath $(LANDING)) $(BIN)/dagster dev -m orchestration.definitions -h 127.0.0.1 -p 3000

## benchmark: ingestion against DuckDB's read and a pandas peer, then a national build of $(MONTHS) months against
## the DuckDB floor, with its monthly increment and a rerun with nothing new (figures and ratios, not tests)
MONTHS ?= 12
benchmark: setup
	$(BIN)/python benchmarks/ingest.py
	$(BIN)/python benchmarks/national.py --months $(MONTHS)
	$(BIN)/python benchmarks/ui.py

## benchmark-ui: a feed run and a monthly run submitted together through a real `dagster dev` on a demo data
## folder: each run's wall time against the sum of its steps, and where the rest went (part of `benchmark`)
benchmark-ui: setup
	$(BIN)/python benchmarks/ui.py

clean:
	rm -rf $(DATA_DIR) dbt_project/target dbt_project/logs metastore_db spark-warehouse derby.log
