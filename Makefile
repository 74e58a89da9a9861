# The two commands of the README: `make serve` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: serve test install clean

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

clean:
	rm -rf $(VENV) instance .pytest_cache
