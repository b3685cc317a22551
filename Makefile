# ThreatVec: the two commands a new machine needs are `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP_SERVER := $(VENV)/.installed-server
STAMP_DEV := $(VENV)/.installed-dev

.PHONY: run test test-sqlite test-postgres bench lint fmt clean browser-deps

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP_SERVER): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[server]'
	touch $@

$(STAMP_DEV): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[server,dev]'
	touch $@ $(STAMP_SERVER)

## Start ThreatVec with its demo organisation on http://127.0.0.1:8000
run: $(STAMP_SERVER)
	$(BIN)/threatvec serve --demo

## Install what the browser tests need (Debian's Chromium), if it is missing.
browser-deps:
	@tools/ensure_browser.sh

## Run the whole suite: SQLite, then PostgreSQL (a throwaway server if none is given).
test: $(STAMP_DEV) browser-deps
	tools/test.sh

bench: $(STAMP_DEV)
	$(BIN)/python bench/run_all.py

lint: $(STAMP_DEV)
	$(BIN)/ruff check src tests bench tools
	$(BIN)/ruff format --check src tests bench tools
	$(BIN)/mypy src/threatvec

fmt: $(STAMP_DEV)
	$(BIN)/ruff format src tests bench tools
	$(BIN)/ruff check --fix src tests bench tools

clean:
	rm -rf $(VENV) .pytest_cache build dist test-output
