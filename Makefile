# Two commands for a fresh machine: `make run` and `make test` (see README).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test install runtime-packages system-packages test-tools services lint typecheck pytest bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

runtime-packages:
	bash scripts/install-system-packages.sh scripts/runtime-packages.txt

system-packages:
	bash scripts/install-system-packages.sh scripts/runtime-packages.txt scripts/system-packages.txt

## run: set up, migrate, seed demo data if empty, serve on http://127.0.0.1:8000 (docs at /docs)
run: install runtime-packages
	$(BIN)/ktp db upgrade
	$(BIN)/ktp demo seed --if-empty
	$(BIN)/ktp serve

# axe-core for the accessibility tests, from the npm registry into .tools/ (not committed)
test-tools:
	bash scripts/install-axe-core.sh

services:
	bash scripts/start-test-services.sh

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

pytest: install
	$(BIN)/pytest

## test: set up (system packages, services), then lint, type checks and the whole suite
test: install system-packages test-tools services lint typecheck pytest

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache test-output .tools
