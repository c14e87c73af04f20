# The two entry points of the README. Both create .venv in the repo root on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup browser demo test check bench

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

demo: setup
	$(BIN)/tellers demo

# Debian's Chromium and axe-core for the browser tests (each installed only if missing)
browser:
	scripts/install-browser

test: setup browser
	scripts/check

bench: setup
	$(BIN)/python bench/count_bench.py
