# The two commands a newcomer needs: `make demo` (the offline end-to-end demo) and `make test`.
# Both first install what is missing: Debian packages (as root or via sudo), then a virtual environment of this
# checkout's own in .venv/ with tinyperf (editable) and everything pyproject.toml declares. Nothing outside .venv/
# is imported, so a module that pyproject.toml does not declare fails here as it fails in CI.
PYTHON ?= python3
VENV ?= .venv
CORES ?= all
PY := $(VENV)/bin/python

.PHONY: install demo test lint

install: $(VENV)/.installed
$(VENV)/.installed: pyproject.toml tools/install.sh
	PYTHON=$(PYTHON) VENV=$(VENV) tools/install.sh
	touch $@

demo: install
	$(PY) -m snakemake --cores $(CORES) --configfile config/demo.yaml

test: install
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check workflow tests
	$(PY) -m snakemake --lint
