# Sales performance warehouse. `make run` builds the warehouse from sample extracts; `make test` runs the tests.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
SCALE ?= 0.1
SEED ?= 42
export SPM_LANDING_DIR ?= data/landing
export SPM_WAREHOUSE ?= data/warehouse.duckdb
export GX_ANALYTICS_ENABLED := false
export DAGSTER_DISABLE_TELEMETRY := 1

.PHONY: help install run generate test lint dev docs bench clean contract catalogue

help:  ## list the targets
	@grep -E '^[a-z]+:.*##' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,spark]'
	rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)  ## create the virtualenv and install pinned dependencies

dbt/target/manifest.json: $(STAMP) $(shell find dbt/models dbt/macros dbt/seeds dbt/tests -type f 2>/dev/null) dbt/dbt_project.yml
	cd dbt && ../$(BIN)/dbt parse --quiet --profiles-dir .

contract: dbt/target/manifest.json  ## regenerate contract/published_marts.json from the dbt manifest
	$(BIN)/spm check-contract --write

catalogue: install  ## extract the readers' texts into dagster_project/locale, merge into each .po, compile the .mo (docs/locale.md)
	$(BIN)/pybabel extract -F dagster_project/locale/babel.cfg -k _ -k N_ -k n_:1,2 --no-location --omit-header \
		--sort-output -o dagster_project/locale/spm.pot .
	$(BIN)/pybabel update -i dagster_project/locale/spm.pot -d dagster_project/locale -D spm \
		--ignore-obsolete --width 120
	$(BIN)/pybabel compile -d dagster_project/locale -D spm --statistics

generate: install  ## write sample extracts to $(SPM_LANDING_DIR) unless already there (names in $SPM_LOCALE)
	@if [ -d "$(SPM_LANDING_DIR)" ] && [ -n "$$(ls -A $(SPM_LANDING_DIR))" ]; then \
		echo "extracts already in $(SPM_LANDING_DIR)"; \
	else $(BIN)/spm generate --scale $(SCALE) --seed $(SEED) --out $(SPM_LANDING_DIR) --locale $${SPM_LOCALE:-en}; fi

run: install generate dbt/target/manifest.json  ## install, generate sample extracts, build the warehouse
	$(BIN)/spm run

TEST_WORKERS ?= 2
test: install dbt/target/manifest.json  ## lint and run the whole test suite (TEST_WORKERS processes)
	$(BIN)/ruff check dagster_project tests bench
	$(BIN)/pytest -q -n $(TEST_WORKERS) --dist loadfile

lint: install  ## ruff
	$(BIN)/ruff check dagster_project tests bench

dev: install dbt/target/manifest.json  ## the Dagster UI on http://127.0.0.1:3000 (the instance every spm run is in)
	DAGSTER_HOME="$$($(BIN)/python -m dagster_project.instance)" $(BIN)/dagster dev -w workspace.yaml

docs: install dbt/target/manifest.json  ## dbt docs (catalogue of every model and column)
	cd dbt && ../$(BIN)/dbt docs generate --profiles-dir . && ../$(BIN)/dbt docs serve --profiles-dir .

bench: install dbt/target/manifest.json  ## time and peak memory of spm generate, spm run and a monthly run at scale 1
	$(BIN)/python bench/benchmark.py --scale 1

clean:  ## remove built data and dbt artefacts (keeps the virtualenv)
	rm -rf data dbt/target dbt/logs
