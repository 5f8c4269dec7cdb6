# Two commands on a fresh machine: `make run` (the product with demo data) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-later install lint typecheck imports unit bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/qa demo
	@echo
	$(BIN)/qa summary
	@echo
	$(BIN)/qa serve

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

imports: $(STAMP)
	$(BIN)/lint-imports

unit: $(STAMP)
	$(BIN)/pytest

test: lint typecheck imports unit

# The tests again with the clock moved 400 days ahead: a date that will pass fails here.
test-later: $(STAMP)
	QA_TEST_CLOCK_SHIFT_DAYS=400 $(BIN)/pytest -q

bench: $(STAMP)
	$(BIN)/python bench/import_catalogue.py
	$(BIN)/python bench/routing.py
	$(BIN)/python bench/autosave.py
	$(BIN)/python bench/export_pack.py
	$(BIN)/python bench/assign.py

clean:
	rm -rf $(VENV) var test-output .mypy_cache .ruff_cache .pytest_cache
