# ServiceLens: `make run` serves the dashboard, `make test` checks everything.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501
DEMO_TICKETS ?= 300000
STORE ?= data/servicelens.duckdb

.PHONY: run test install install-dev browser lint typecheck unit bench demo docs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.dev-installed: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.dev-installed

## run: install, create the demo store when no data was imported yet, serve on :8501
run: install
	SERVICELENS_STORE=$(STORE) $(BIN)/servicelens demo --if-missing --tickets $(DEMO_TICKETS)
	SERVICELENS_STORE=$(STORE) $(BIN)/streamlit run app.py --server.port $(PORT)

demo: install
	SERVICELENS_STORE=$(STORE) $(BIN)/servicelens demo --tickets $(DEMO_TICKETS)

## browser: Debian's chromium and CJK fonts for the browser tests (installed when root)
browser:
	@if [ -x /usr/bin/chromium ] && fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then :; \
	elif [ "$$(id -u)" = "0" ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			chromium fonts-noto-cjk >/dev/null; \
	else echo "chromium or fonts-noto-cjk missing and not root: browser tests will skip"; fi

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/lint-imports

typecheck: install-dev
	$(BIN)/mypy

unit: install-dev
	$(BIN)/pytest -q

## test: lint, types, layering contract and the whole test suite
test: install-dev browser lint typecheck unit

bench: install
	$(BIN)/python benchmarks/bench_demo.py
	$(BIN)/python benchmarks/bench_kpis.py
	$(BIN)/python benchmarks/bench_import.py
	$(BIN)/python benchmarks/bench_pages.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

docs: install
	$(BIN)/servicelens catalog --format doc > docs/metrics.md
