# Bootstraps a virtualenv on a fresh machine (only Python 3.11+ needed), then runs or tests.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint typecheck bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "peakready needs Python 3.11+"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	# MyMagento's top-level package is named "magento", like PyMagento's (a dev dependency):
	# it lives apart, and its tests import it from there (tests/integration/magento).
	$(BIN)/python -m pip install --quiet --no-deps --upgrade --target $(VENV)/my-magento 'my-magento==2.2.0'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/peakready run fixtures/plans/smoke.yaml

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests mocks scenarios benchmarks
	$(BIN)/mypy

# Every script runs even when one misses its target; the exit code says whether any did.
bench: $(STAMP)
	@failed=""; for script in benchmarks/[!_]*.py; do echo "== $$script"; \
		$(BIN)/python $$script || failed="$$failed $$script"; done; \
		if [ -n "$$failed" ]; then echo "missed target or failed:$$failed"; exit 1; fi

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
