# The handful of targets people and CI both use. Every target sets up .venv first when it is missing or stale.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
LANDING ?= data/landing
WAREHOUSE ?= data/warehouse.duckdb
export GX_ANALYTICS_ENABLED := false
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
DAGSTER_HOME := $(CURDIR)/.dagster_home
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: setup run test test-spark dev benchmark clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)
	mkdir -p $(DAGSTER_HOME)
	cp orchestration/dagster.yaml $(DAGSTER_HOME)/dagster.yaml

## run: generate the demo feeds (once) and materialise every asset into $(WAREHOUSE)
run: setup
	test -d $(LANDING) || $(BIN)/sme-warehouse generate --out $(LANDING) --scale demo --quiet
	$(BIN)/sme-warehouse run --landing $(LANDING) --warehouse $(WAREHOUSE)

## test: the whole test suite (what CI runs)
test: setup
	bash scripts/install-browser.sh
	$(BIN)/pytest

## test-spark: build the dbt project on DuckDB and on Spark 3.5 (local session), then compare every mart row by row
test-spark:
	bash scripts/test-spark.sh

## dev: the Dagster UI on the same definitions, at http://127.0.0.1:3000
dev: setup
	DAGSTER_HOME=$(DAGSTER_HOME) SME_LANDING_DIR=$(abspath $(LANDING)) SME_WAREHOUSE_PATH=$(abspath $(WAREHOUSE)) \
		$(BIN)/dagster dev -m orchestration.definitions -h 127.0.0.1 -p 3000

## benchmark: ingestion speed on national-scale employment files against DuckDB's own read
benchmark: setup
	$(BIN)/python benchmarks/ingest.py

clean:
	rm -rf data .dagster_home dbt_project/target dbt_project/logs metastore_db spark-warehouse derby.log
