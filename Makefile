# Verbatim: `make run` starts the service on the sample corpus (runtime dependencies only);
# `make test` runs every check (adds the dev extras); `make test-fast` is the quick inner loop.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
FAST_TESTS := not model and not server and not browser and not slow and not reliability
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install install-dev run ingest test test-fast lint typecheck pytest eval bench clean

# `install`: what running needs (no test tools); `install-dev`: plus the dev extras.
install: $(STAMP)

install-dev: $(DEV_STAMP)

# Re-installs only when the project's dependencies change.
$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "error: $(PYTHON) not found (Verbatim needs Python 3.11)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e .
	touch $(STAMP)

$(DEV_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(DEV_STAMP)

ingest: install
	$(BIN)/verbatim ingest corpus

run: ingest
	$(BIN)/verbatim serve --host $(HOST) --port $(PORT)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install-dev
	$(BIN)/mypy

pytest: install-dev
	$(BIN)/pytest

eval: install
	$(BIN)/verbatim eval --dataset eval/datasets/sample.yaml --data-dir .verbatim-eval

# Everything: ruff, mypy, every pytest suite (model, servers, Chromium), the eval gate.
test: lint typecheck pytest eval

# The inner loop (< 60 s): ruff, mypy and the unit tests that load no model and start no server.
test-fast: lint typecheck
	$(BIN)/pytest -q -m "$(FAST_TESTS)"

bench: install
	$(BIN)/python -m benchmarks --json

clean:
	rm -rf $(VENV) .verbatim .verbatim-eval .mypy_cache .ruff_cache .pytest_cache
