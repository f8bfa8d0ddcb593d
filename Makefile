# Two entry points for newcomers: `make demo` and `make test`. Both create .venv when missing.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SPARK_STAMP := $(VENV)/.installed-spark

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The cross-engine tests need Spark (a large download): `make test` installs it, `make demo` not.
$(SPARK_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev,spark]'
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
	$(BIN)/pytest -q

bench: $(STAMP)
	$(BIN)/python benchmarks/import.py

clean:
	rm -rf $(VENV) demo .pytest_cache .mypy_cache .ruff_cache
