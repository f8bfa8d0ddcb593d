# Two entry points for newcomers: `make demo` and `make test`. Both create .venv when missing.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SPARK_STAMP := $(VENV)/.installed-test-extras

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The cross-engine tests need Spark, the tone model backend's tests torch and transformers (large
# downloads): `make test` installs them, `make demo` not. torch 2.13.0 is pinned because its CPU
# build lies on the CI machines' disk; elsewhere pip downloads it from PyPI.
$(SPARK_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev,spark,models]' 'torch==2.13.0'
	touch $(SPARK_STAMP)

.PHONY: venv demo test lint docs check-docs bench clean
venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/lien demo --out demo

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

docs: $(STAMP)
	$(BIN)/python -m lien.docs write

check-docs: $(STAMP)
	$(BIN)/python -m lien.docs check

test: $(SPARK_STAMP) lint check-docs
	$(BIN)/pytest -q -rs

bench: $(STAMP)
	$(BIN)/python benchmarks/import.py

clean:
	rm -rf $(VENV) demo .pytest_cache .mypy_cache .ruff_cache
