# The two commands of the README: `make serve` (preview the site) and `make test` (run every check).
# Both create the virtual environment from requirements.txt first, so a fresh clone needs nothing else
# than Python 3.11 and make.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
LINTED := snippets tests hooks scripts

export NO_MKDOCS_2_WARNING := 1
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: setup serve build test lint bench page clean

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

serve: setup
	$(BIN)/mkdocs serve

build: setup
	$(BIN)/mkdocs build --strict

lint: setup
	$(BIN)/ruff check --no-cache $(LINTED)
	$(BIN)/ruff format --no-cache --check $(LINTED)

test: lint
	$(BIN)/pytest -n auto

bench: setup
	$(BIN)/python scripts/bench.py

# A new page with a tested snippet and its nav entry: make page LIB=jax TOPIC=first_steps
page: setup
	$(BIN)/python scripts/new_page.py $(LIB) $(TOPIC)

clean:
	rm -rf site .cache
