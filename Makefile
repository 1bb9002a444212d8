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
SHARED ?= ../shared
DATA := .verbatim-data
EVAL_PARTS := sample-test corpus_b-test fastapi-docs-test squad-test nomiracl-test
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install install-dev run ingest test test-fast lint typecheck pytest eval train bench clean

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

# The eval gates run on the TEST parts only (eval/public.py splits every dataset; see
# docs/answering.md); each part keeps its own index under $(DATA)/eval, so reruns are incremental.
eval: install
	$(BIN)/python -m eval.public --shared $(SHARED) --out $(DATA)/public
	@for part in $(EVAL_PARTS); do \
	  echo "== eval $$part"; \
	  $(BIN)/verbatim eval --dataset $(DATA)/public/$$part.yaml --data-dir $(DATA)/eval/$$part || exit 1; \
	done
	@echo "== eval truncation (cut and intact copies of the FastAPI docs, test part)"
	$(BIN)/python -m eval.truncation --corpus $(SHARED)/corpora/fastapi-docs --out $(DATA)/truncation --per-document 1 >/dev/null
	$(BIN)/verbatim eval --dataset $(DATA)/truncation/test/truncation-cut-1.yaml --data-dir $(DATA)/eval/truncation-cut --min-refusal-recall 0.95 --min-citation-support 0.35
	$(BIN)/verbatim eval --dataset $(DATA)/truncation/test/truncation-intact.yaml --data-dir $(DATA)/eval/truncation-intact --min-citation-support 0.92
	@echo "== eval truncation (the same copies rendered to HTML pages, test part)"
	$(BIN)/python -m eval.truncation --corpus $(SHARED)/corpora/fastapi-docs --out $(DATA)/truncation-html --per-document 1 --render html >/dev/null
	$(BIN)/verbatim eval --dataset $(DATA)/truncation-html/test/truncation-cut-1.yaml --data-dir $(DATA)/eval/truncation-html-cut --min-refusal-recall 0.95 --min-citation-support 0.35
	$(BIN)/verbatim eval --dataset $(DATA)/truncation-html/test/truncation-intact.yaml --data-dir $(DATA)/eval/truncation-html-intact --min-citation-support 0.92
	@echo "== eval section questions (\"What does the documentation say about <heading>?\", full FastAPI docs, test part)"
	$(BIN)/python -m eval.sections --corpus $(SHARED)/corpora/fastapi-docs --out $(DATA)/sections >/dev/null
	$(BIN)/verbatim eval --dataset $(DATA)/sections/test/sections.yaml --data-dir $(DATA)/eval/fastapi-docs-test --min-citation-support 0.80

# Retrain the answerability model from the tune parts (writes qa/models/answerability.json).
train: install-dev
	$(BIN)/python -m eval.train --shared $(SHARED) --public $(DATA)/public --work $(DATA)/train

# Everything: ruff, mypy, every pytest suite (model, servers, Chromium), the eval gate.
test: lint typecheck pytest eval

# The inner loop (< 60 s): ruff, mypy and the unit tests that load no model and start no server.
test-fast: lint typecheck
	$(BIN)/pytest -q -m "$(FAST_TESTS)"

bench: install
	$(BIN)/python -m benchmarks --json

clean:
	rm -rf $(VENV) .verbatim .verbatim-eval $(DATA) .mypy_cache .ruff_cache .pytest_cache
