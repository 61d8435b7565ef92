# One command each, on a fresh machine: the first target that needs the venv creates it.
#   make test   unit tests, then every chapter notebook on its cpu preset (nbval)
#   make book   execute every chapter on its cpu preset and build the website
#   make lint   ruff;  make bench   the benchmark tables;  make book-check   browser test of the site
#   make student   copies of the chapters without their solution cells, in student/ (for courses)
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# The chapters prove their claims on the cpu preset; export it so kernels inherit it.
export COMPANION_PRESET ?= cpu
export PYTHONHASHSEED := 0
# One cache (oracle classifiers, ...) for every notebook, wherever its kernel runs.
export COMPANION_CACHE_DIR ?= $(CURDIR)/data/cache
# `make test` writes its JUnit XML here; .ci/budget_table.py turns it into the budget table.
REPORTS := .ci/reports
# `make student STUDENT_COLAB=github/ORG/REPO/blob/main/student`: the copies' Colab badges.
STUDENT ?= student
STUDENT_COLAB ?=
NOTEBOOKS = $(shell find chapters book -name '*.ipynb' -not -path '*/.ipynb_checkpoints/*' -not -path '*/_build/*' 2>/dev/null | sort)

.PHONY: install test unit notebooks book book-check lint bench student clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[book,test,dev]'
	@touch $(STAMP)

# The budget table is printed whether or not the tests pass; the exit status is pytest's.
test: $(STAMP)
	@mkdir -p $(REPORTS)
	status=0; $(PY) -m pytest -q tests $(NOTEBOOKS) --nbval-lax --nbval-cell-timeout=300 \
		-p no:cacheprovider --junitxml=$(REPORTS)/junit.xml || status=$$?; \
	$(PY) .ci/budget_table.py $(REPORTS)/junit.xml; exit $$status

unit: $(STAMP)
	$(PY) -m pytest -q tests

notebooks: $(STAMP)
	$(PY) -m pytest -q --nbval-lax --nbval-cell-timeout=300 $(NOTEBOOKS)

book: $(STAMP)
	$(VENV)/bin/jupyter-book build . --config book/_config.yml --toc _toc.yml --path-output book
	@echo "The site is at book/_build/html/index.html"

book-check: $(STAMP)
	$(PY) -m pytest -q tests/test_site.py --site book/_build/html

lint: $(STAMP)
	$(VENV)/bin/ruff check companion tests benchmarks chapters .ci tools
	$(VENV)/bin/ruff format --check companion tests benchmarks .ci tools

bench: $(STAMP)
	@for script in benchmarks/*.py; do echo "== $$script"; $(PY) $$script || exit 1; done

student: $(STAMP)
	$(PY) .ci/student.py --out $(STUDENT) $(if $(STUDENT_COLAB),--colab-base $(STUDENT_COLAB))

clean:
	rm -rf book/_build .pytest_cache .ruff_cache $(REPORTS) dist build

# make mutation [MUTATION_MODULES="companion/losses.py companion/mi"]: mutation score per module
# (mutmut; modules and their tests in tools/mutation.cfg) into benchmarks/results/mutation.json.
# Minutes per module on 2 cores, so not part of `make test`: run it when you change a module.
MUTATION_MODULES ?=
MUTATION_JOBS ?= 1
.PHONY: mutation
mutation: $(STAMP)
	$(PY) tools/mutation.py $(MUTATION_MODULES) --jobs $(MUTATION_JOBS)
