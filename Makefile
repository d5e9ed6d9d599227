# The two commands of the README: `make serve` (preview the site) and `make test` (run every check).
# Both create the virtual environment from requirements.txt first (the engine, engine/, included), so
# a fresh clone needs nothing else than Python 3.11 and make.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
LINTED := engine snippets tests hooks scripts

# What every mkdocs run gets (engine/site.py, MKDOCS_ENV, gives the tests' builds the same).
export NO_MKDOCS_2_WARNING := 1
export PYTHONDONTWRITEBYTECODE := 1


.PHONY: help setup torch lock serve build build-check offline test check lint browser sandbox outputs seeds bench matrix gpu lighthouse page compat clean

# Every command that sets up also makes sure of the sandbox (below): the site's build runs programs
# (figures, walkthroughs) as the tests do, and previewing a pull request runs its snippets.
setup: $(VENV)/.installed sandbox

# What each command is for, in one line each.
help:
	@echo "make serve                      set up, then preview the site at http://127.0.0.1:8000"
	@echo "make test                       set up, then run every check (what CI runs)"
	@echo "make check FILE=snippets/x/y.py a verdict on one edit in seconds (default: what git shows changed)"
	@echo "make outputs PAGES=docs/x.md    rewrite the outputs a page states from what its programs print"
	@echo "make seeds FILES=snippets/x/y.py  rerun snippets with five other seeds: claims must hold for all"
	@echo "make page LIB=x TOPIC=y         a new page with a tested snippet, its wrong-answer edit and nav entry"
	@echo "make build / make offline       build the site strictly / as a folder that works without a server"
	@echo "make build-check                the site built by MkDocs, ProperDocs and Zensical: same text a page?"
	@echo "make lint                       ruff, as the tests run it"
	@echo "make matrix / make gpu          every program on every CPU kernel set and thread count / on a GPU"
	@echo "make bench / make lighthouse    the figures of the README (speed, weight, Lighthouse)"
	@echo "make lock                       resolve requirements.txt again into lock/*.txt, with hashes"
	@echo "make compat                     every program under the oldest versions compat.toml claims (ENVS=captum: one; NEWEST=1: newest)"
	@echo "make clean                      remove the built site, the build cache and node_modules"

# Every distribution comes from lock/*.txt, each file checked against its sha256 (--require-hashes;
# `make lock` writes them from requirements.txt). torch and torchvision, with what they need, come
# first, in a step of their own (`make torch`), which the workflow runs alone from PyPI.
PIP_INSTALL := $(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps

torch: $(VENV)/.torch

$(VENV)/.torch: lock/torch.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP_INSTALL) --require-hashes -r lock/torch.txt
	touch $@

# The engine (engine/) last, editable, built by the locked setuptools with no index involved.
$(VENV)/.installed: $(VENV)/.torch lock/site.txt pyproject.toml
	$(PIP_INSTALL) --require-hashes -r lock/site.txt
	$(PIP_INSTALL) --no-build-isolation -e .
	touch $@

# After an edit of requirements.txt: resolve it again into lock/*.txt (scripts/lock.py).
lock: setup
	$(BIN)/python scripts/lock.py

serve: setup
	$(BIN)/mkdocs serve

build: setup
	$(BIN)/mkdocs build --strict

# The site built by MkDocs, ProperDocs and Zensical (lock/builders.txt), each page's text compared
# with MkDocs' (scripts/build_check.py); ARGS=--lock resolves lock/builders.txt again.
build-check: setup
	$(BIN)/python scripts/build_check.py $(ARGS)

# The site as a folder that works without a server (open site/index.html): Material's offline plugin.
offline: setup
	OFFLINE=true $(BIN)/mkdocs build --strict

lint: setup
	$(BIN)/ruff check --no-cache $(LINTED)
	$(BIN)/ruff format --no-cache --check $(LINTED)

test: lint browser
	$(BIN)/pytest -n auto

# A verdict on an edit in seconds: only the checks of what FILE affects (scripts/check.py), or of
# the snippets and pages changed in the working tree. `make test` stays the gate.
check: setup
	$(BIN)/python scripts/check.py $(FILE)

# The browser tests (tests/test_browser.py) drive Debian's Chromium, at the path engine/browser.py
# names ($CHROMIUM, else /usr/bin/chromium). Install it when missing: as root (CI) or with sudo;
# otherwise say so, and those tests skip naming the missing browser.
APT_CHROMIUM := apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
browser: setup
	@chromium="$$($(BIN)/python -m engine.browser)"; \
	if [ ! -x "$$chromium" ]; then \
	  if [ "$$(id -u)" = 0 ]; then $(APT_CHROMIUM); \
	  elif command -v sudo >/dev/null && command -v apt-get >/dev/null; then \
	    sudo sh -c '$(APT_CHROMIUM)' || echo "note: could not install chromium; the browser tests will be skipped"; \
	  else echo "note: $$chromium is missing (Debian: apt-get install chromium); the browser tests will be skipped"; fi; \
	fi

# Every program runs inside bubblewrap's namespaces (engine/sandbox.py): install Debian's bubblewrap
# when missing, as root (CI) or with sudo; otherwise say so, and programs run without the OS walls
# (the test run's header says which, in one line).
APT_BWRAP := apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap
sandbox:
	@if ! command -v bwrap >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then $(APT_BWRAP); \
	  elif command -v sudo >/dev/null && command -v apt-get >/dev/null; then \
	    sudo sh -c '$(APT_BWRAP)' || echo "note: could not install bubblewrap; programs will run without the sandbox"; \
	  else echo "note: bwrap is missing (Debian: apt-get install bubblewrap); programs will run without the sandbox"; fi; \
	fi

# Rewrite every output a page states from what its program prints now, showing the diff
# (scripts/outputs.py); PAGES=docs/pyg.md for some pages only.
outputs: setup
	$(BIN)/python scripts/outputs.py $(PAGES)

# Every snippet's checks again with its seeds moved, five times (tests/test_snippets.py, with
# TESTED_NOTES_SEEDS): a claim must hold for any seed. FILES=snippets/pyg/gcn.py for some only.
seeds: setup
	TESTED_NOTES_SEEDS=5 $(if $(FILES),TESTED_NOTES_CHECK="$(FILES)") \
	  $(BIN)/pytest -n auto -q tests/test_snippets.py -k other_seeds

# Every figure beside its target (scripts/bench.py); ARGS=--lighthouse adds Lighthouse, ARGS=--skip-suite
# leaves out the suite runs (cold and three warm).
bench: setup
	$(BIN)/python scripts/bench.py $(ARGS)

# Every program under every CPU setting (kernel set and thread count) this CPU can run, as pytest
# runs them with TESTED_NOTES_CPUS (engine/cpus.py); CPUS=default:2 runs one setting, as CI does.
matrix: setup
	TESTED_NOTES_CPUS=$(or $(CPUS),all) $(BIN)/pytest -n auto -q tests/test_snippets.py

# Every program under the oldest version of each library compat.toml claims, one library at a time,
# then all together, each in a venv outside the repository (scripts/compat.py): rewrites
# lock/compat.json, whose ranges the pages state; a program with a verdict there for its code and
# stated outputs is not run again. ENVS=captum reruns some environments; NEWEST=1 runs the
# newest release of each library instead (the weekly workflow) and writes nothing.
compat: setup
	$(BIN)/python scripts/compat.py $(if $(NEWEST),--newest) $(if $(ENVS),--environments $(ENVS))

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
