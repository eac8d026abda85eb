# ServiceLens: `make run` serves the dashboard, `make test` checks everything.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501
# Only this machine reaches the dashboard unless told otherwise (README: reverse proxy, TLS).
ADDRESS ?= 127.0.0.1
DEMO_TICKETS ?= 300000
STORE ?= data/servicelens.duckdb
# A font with Chinese glyphs where vl-convert (exported charts) and chromium find it.
HAS_CJK_FONT := { fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || \
	find /usr/share/fonts /usr/local/share/fonts -iname 'NotoSansCJK*' 2>/dev/null | grep -q .; }
NO_CJK_FONT := WARNING: no Chinese (CJK) font found. Chart downloads (PNG/SVG) will show empty \
	boxes instead of Chinese. Install one: sudo apt-get install fonts-noto-cjk (or make fonts as root)

.PHONY: run test install install-dev fonts browser lint typecheck unit unit-fast bench bench-load demo docs \
	clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.dev-installed: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

## install: the app, and a Chinese font the review pack and chart downloads embed: Debian's
## fonts-noto-cjk when root, else Noto Sans CJK from the package index (noto-cjk-sans-otc)
install: $(VENV)/.installed
	@$(HAS_CJK_FONT) || $(BIN)/python -c "import noto_cjk_sans_otc" 2>/dev/null || \
		{ [ "$$(id -u)" = "0" ] && $(MAKE) --no-print-directory fonts; } || \
		$(BIN)/pip install --quiet "noto-cjk-sans-otc>=0.0.1" || echo "$(NO_CJK_FONT)" >&2

install-dev: $(VENV)/.dev-installed

## run: install, create the demo store when no data was imported yet, serve on :8501
run: install
	SERVICELENS_STORE=$(STORE) $(BIN)/servicelens demo --if-missing --tickets $(DEMO_TICKETS)
	STREAMLIT_SERVER_COOKIE_SECRET="$$($(BIN)/servicelens cookie-secret)" \
		SERVICELENS_STORE=$(STORE) $(BIN)/streamlit run app.py --server.port $(PORT) \
		--server.address $(ADDRESS)

demo: install
	SERVICELENS_STORE=$(STORE) $(BIN)/servicelens demo --tickets $(DEMO_TICKETS)

## fonts: Noto Sans CJK, which exported charts render Chinese with (installed when root)
fonts:
	@if fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || \
		find /usr/share/fonts -iname 'NotoSansCJK*' 2>/dev/null | grep -q .; then :; \
	elif [ "$$(id -u)" = "0" ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			fonts-noto-cjk >/dev/null; \
	else echo "$(NO_CJK_FONT)" >&2; fi

## browser: Debian's chromium (and the CJK fonts) for the browser tests (installed when root)
browser: fonts
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = "0" ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			chromium >/dev/null; \
	else echo "chromium missing and not root: browser tests will skip"; fi

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/lint-imports

typecheck: install-dev
	$(BIN)/mypy

## unit: the whole suite on every core (addopts: -n auto), with its slowest tests
unit: install-dev fonts
	$(BIN)/pytest -q --durations=15

## unit-fast: the quick local loop: no browser, no slow tests
unit-fast: install-dev
	$(BIN)/pytest -q -m "not e2e and not slow"

## test: lint, types, layering contract and the whole test suite
test: install-dev browser lint typecheck unit

## bench: what a user waits for (chromium), each page against hand-written SQL, imports, the
## review pack, RSS; on 1M and 10M-ticket demo stores it builds in $(BENCH_DIR) each run (the
## 10M one: ~80 s, under 2 GiB RSS). Prints the README's table at the end.
BENCH_DIR ?= /tmp/servicelens-bench
BENCH_SIZES ?= 1000000 10000000
bench: install-dev browser
	$(BIN)/python benchmarks/bench_demo.py
	$(BIN)/python benchmarks/bench_import.py
	@mkdir -p $(BENCH_DIR)
	@for n in $(BENCH_SIZES); do \
		label=$$((n / 1000000))M; store=$(BENCH_DIR)/demo$$n.duckdb; \
		rm -f $$store $$store.wal; \
		SERVICELENS_STORE=$$store $(BIN)/python benchmarks/peak.py \
			$(BIN)/servicelens demo --tickets $$n --seed 7 || exit 1; \
		$(BIN)/python benchmarks/bench_kpis.py --store $$store || exit 1; \
		$(BIN)/python benchmarks/bench_pages.py --store $$store || exit 1; \
		$(BIN)/python benchmarks/bench_queries.py --store $$store --label $$label || exit 1; \
		$(BIN)/python benchmarks/bench_report.py --store $$store || exit 1; \
		PYTHONPATH=. $(BIN)/python benchmarks/bench_browser.py --store $$store \
			--label $$label || exit 1; \
	done
	$(BIN)/python benchmarks/table.py

## bench-load: 20 browser sessions click through the pages for 2 minutes while a 1M-ticket
## import is merged into their store (a copy of $(BENCH_DIR)'s 1M demo when there, else of a
## 300,000-ticket demo built for it): p50/p95 page times before, during and after, the
## store-busy notice, the new data on the Overview, RSS. Fails on any exception.
bench-load: install-dev browser
	PYTHONPATH=. $(BIN)/python benchmarks/bench_load.py \
		$(if $(wildcard $(BENCH_DIR)/demo1000000.duckdb),--store $(BENCH_DIR)/demo1000000.duckdb)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

docs: install
	$(BIN)/servicelens catalog --format doc > docs/metrics.md
