# Every target builds what it needs: a fresh machine only needs Python 3.10+.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Two stamps: the whole toolchain (tests, docs) for most targets, the runtime dependencies
# only for `make demo` (a fresh clone runs the demo without installing mypy, mkdocs & co).
STAMP := $(VENV)/.installed
RUNTIME_STAMP := $(VENV)/.installed-runtime

.PHONY: test lint typecheck pytest docs demo serve clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,docs]'
	touch $(STAMP) $(RUNTIME_STAMP)

$(RUNTIME_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	touch $(RUNTIME_STAMP)

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest --cov --cov-report=term
	$(MAKE) --no-print-directory docs

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest

# The documentation site (mkdocs.yml) into site/; --strict turns every warning into a failure.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet

# The demo needs the runtime dependencies only (aiohttp, attrs, cattrs, msgspec).
demo: $(RUNTIME_STAMP)
	$(BIN)/python -m gitbook_async demo

# The fake GitBook with the demo spaces, for the CLI or any HTTP tool, until Ctrl-C.
serve: $(RUNTIME_STAMP)
	$(BIN)/python -m gitbook_async.testing

# The benchmarks (never part of `make test`): install the bench extra, run them all (about
# eight minutes) and write the results page, docs/performance.md.
.PHONY: bench
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python -m benchmarks --write docs/performance.md

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache .coverage htmlcov
