# The two commands of the README: `make serve` (preview the site) and `make test` (run every check).
# Both create the virtual environment from requirements.txt first, so a fresh clone needs nothing else
# than Python 3.11 and make.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
LINTED := snippets tests hooks scripts

export NO_MKDOCS_2_WARNING := 1
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: setup serve build offline test lint browser bench matrix gpu lighthouse page clean

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

serve: setup
	$(BIN)/mkdocs serve

build: setup
	$(BIN)/mkdocs build --strict

# The site as a folder that works without a server (open site/index.html): Material's offline plugin.
offline: setup
	OFFLINE=true $(BIN)/mkdocs build --strict

lint: setup
	$(BIN)/ruff check --no-cache $(LINTED)
	$(BIN)/ruff format --no-cache --check $(LINTED)

test: lint browser
	$(BIN)/pytest -n auto

# The browser tests (tests/test_browser.py) drive Debian's Chromium. Install it when missing: as root
# (CI) or with sudo; otherwise say so, and those tests skip naming the missing browser.
CHROMIUM ?= /usr/bin/chromium
APT_CHROMIUM := apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
browser:
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = 0 ]; then $(APT_CHROMIUM); \
	  elif command -v sudo >/dev/null && command -v apt-get >/dev/null; then \
	    sudo sh -c '$(APT_CHROMIUM)' || echo "note: could not install chromium; the browser tests will be skipped"; \
	  else echo "note: $(CHROMIUM) is missing (Debian: apt-get install chromium); the browser tests will be skipped"; fi; \
	fi

bench: setup
	$(BIN)/python scripts/bench.py

# Every program under every CPU kernel set and thread count this CPU allows, as a table
# (scripts/matrix.py); CELLS=default:2 runs one cell, as CI does.
matrix: setup
	$(BIN)/python scripts/matrix.py $(if $(CELLS),--cells $(CELLS))

# On a machine with a GPU: every snippet there and with the GPU hidden, recorded in docs/gpu-runs.md.
gpu: setup
	$(BIN)/python scripts/gpu_run.py

# A new page with a tested snippet and its nav entry: make page LIB=jax TOPIC=first_steps
page: setup
	$(BIN)/python scripts/new_page.py $(LIB) $(TOPIC)

# Lighthouse on every page (a benchmark: scripts/lighthouse.py says why). Needs Node >= 18 and npm.
lighthouse: setup browser node_modules/.package-lock.json
	$(BIN)/python scripts/lighthouse.py $(ARGS)

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

clean:
	rm -rf site .cache node_modules
