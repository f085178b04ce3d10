# The two commands a new user needs: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CTFMON := $(BIN)/ctfmon
DEMO_DIR ?= demo
DEMO_DB ?= $(DEMO_DIR)/ctfmon.duckdb
DEMO_TXNS ?= 200000
DEMO_SEED ?= 7
DEMO_HOST ?= 127.0.0.1
DEMO_PORT ?= 8000
UN_LIST := engine/screening/data/un_consolidated_2026-02-27.xml
# synthetic lost/stolen travel document list (TF-DOC-01); see engine/screening/data/README.md
DOC_LIST := engine/screening/data/sample_lost_stolen_documents_2026-11-30.csv

.PHONY: demo test bench install lint clean browser

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/.installed

demo: install
	rm -rf $(DEMO_DIR) && mkdir -p $(DEMO_DIR)
	$(CTFMON) generate --out $(DEMO_DIR)/data --seed $(DEMO_SEED) --transactions $(DEMO_TXNS)
	$(CTFMON) ingest $(DEMO_DIR)/data --db $(DEMO_DB)
	$(CTFMON) stats --db $(DEMO_DB)
	$(CTFMON) lists load $(UN_LIST) --db $(DEMO_DB) --no-rescreen
	$(CTFMON) lists load $(DOC_LIST) --format documents-csv --name lost_stolen_sample --db $(DEMO_DB) --no-rescreen
	$(CTFMON) scan --db $(DEMO_DB)
	$(CTFMON) evaluate --labels $(DEMO_DIR)/data --db $(DEMO_DB) --json $(DEMO_DIR)/evaluation.json
	$(CTFMON) serve --demo --db $(DEMO_DB) --host $(DEMO_HOST) --port $(DEMO_PORT)

# The browser tests drive Debian's Chromium; install it when missing (CI runs as root).
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
browser:
	@test -x /usr/bin/chromium || { $(SUDO) apt-get update && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y chromium; }

test: install browser
	$(BIN)/python -m pytest -n 2 --dist loadfile -q

# Speed, memory and quality measurements (minutes each; results in benchmarks/results/).
bench: install
	$(BIN)/python benchmarks/bench_ingest.py
	$(BIN)/python benchmarks/bench_datagen.py
	$(BIN)/python benchmarks/bench_scan.py
	$(BIN)/python benchmarks/bench_screening.py
	$(BIN)/python benchmarks/name_pairs.py
	$(BIN)/python benchmarks/bench_api.py
	$(BIN)/python benchmarks/bench_amlsim.py

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf $(DEMO_DIR) .pytest_cache
