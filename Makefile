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

.PHONY: demo test bench install lint clean

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

test: install
	$(BIN)/python -m pytest -n 2 --dist loadfile -q

bench: install
	$(BIN)/python benchmarks/bench_ingest.py

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf $(DEMO_DIR) .pytest_cache
