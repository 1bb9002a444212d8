# Verbatim: `make run` starts the service on the sample corpus; `make test` runs every check.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run ingest test lint typecheck pytest eval bench clean

install: $(STAMP)

# Re-installs only when the project's dependencies change.
$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "error: $(PYTHON) not found (Verbatim needs Python 3.11)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

ingest: install
	$(BIN)/verbatim ingest corpus

run: ingest
	$(BIN)/verbatim serve --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

pytest: install
	$(BIN)/pytest

eval: install
	$(BIN)/verbatim eval --dataset eval/datasets/sample.yaml --data-dir .verbatim-eval

test: lint typecheck pytest eval

bench: install
	$(BIN)/python -m benchmarks --json

clean:
	rm -rf $(VENV) .verbatim .verbatim-eval .mypy_cache .ruff_cache .pytest_cache
