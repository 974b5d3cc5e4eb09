# coopgraph: two commands on a fresh machine (Python 3.11, pip, make, git, Node.js, npm).
#   make run    set up, build the graph from data/, serve it on http://127.0.0.1:8000/
#   make test   set up, run every test
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: setup run build test bench clean

setup: $(STAMP) api/static/vendor/.stamp

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,bench]'
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

bench: setup
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) node_modules api/static/vendor var tests/artifacts
