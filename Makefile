# The two commands a newcomer needs: `make demo` (the offline end-to-end demo) and `make test`.
# Both install what is missing first (Debian packages as root or via sudo, Python packages with pip).
PYTHON ?= python3
CORES ?= all

.PHONY: install demo test lint

install: .installed
.installed: pyproject.toml tools/install.sh
	PYTHON=$(PYTHON) tools/install.sh
	touch $@

demo: install
	$(PYTHON) -m snakemake --cores $(CORES) --configfile config/demo.yaml

test: install
	$(PYTHON) -m pytest

lint: install
	ruff check workflow tests
	$(PYTHON) -m snakemake --lint
