# The two commands of the README: `make serve` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.bench-installed
# `make bench LOAD_ARGS=--full`: the medium data set of issue 14 and 60 s per scenario (about 5 minutes more).
LOAD_ARGS ?=
WRITERS_ARGS ?=

.PHONY: serve test install clean bench translations

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

## Serve the demo on http://127.0.0.1:5000 with the embedded SQLite database.
serve: $(STAMP)
	$(BIN)/uxo-swg init
	$(BIN)/uxo-swg demo
	$(BIN)/uxo-swg run --host 127.0.0.1 --port 5000

## Run the test suite (SQLite; set TEST_DATABASE_URL for PostgreSQL).
test: $(STAMP)
	$(BIN)/pytest

$(BENCH_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e '.[bench]'
	touch $(BENCH_STAMP)

## Run the web benchmarks at small sizes (a few minutes; needs PostgreSQL on 127.0.0.1:5432, trust auth, database test).
bench: $(BENCH_STAMP)
	$(BIN)/python bench/load.py $(LOAD_ARGS)
	$(BIN)/python bench/writers.py $(WRITERS_ARGS)

## Extract the strings to translate, add new ones to the Lao catalogue, compile it (commit the .po and .mo).
POT := $(VENV)/messages.pot
translations: $(STAMP)
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 -k N_ --sort-output \
		--add-location=file --project=uxo-swg --no-wrap -o $(POT) .
	$(BIN)/pybabel -q update -i $(POT) -d translations -D messages -l lo --no-fuzzy-matching --no-wrap --ignore-obsolete
	$(BIN)/pybabel -q compile -d translations -D messages --statistics

clean:
	rm -rf $(VENV) instance .pytest_cache
