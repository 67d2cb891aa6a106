# The two commands a newcomer runs: `make demo` and `make test`.
# Each creates .venv and installs the package (editable, with dev extras) on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install demo test test-fast lint bench clean

$(STAMP): setup.py pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade --quiet pip
	$(PY) -m pip install --quiet -e ".[dev,video]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(PY) -m tfk_tokfrag.demo

test: $(STAMP)
	$(PY) -m pytest -n 2 --dist loadgroup

test-fast: $(STAMP)
	$(PY) -m pytest -n 2 -m "not large"

lint: $(STAMP)
	$(VENV)/bin/ruff check .

bench: $(STAMP)
	$(PY) benchmarks/layers.py
	$(PY) benchmarks/training.py

clean:
	rm -rf runs saved_models/*/ build *.egg-info
