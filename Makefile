# The two commands a newcomer needs: `make start` and `make test`.
VENV ?= .venv
BIN := $(VENV)/bin
PYTHON ?= python3

.PHONY: start test install install-test serve eval bench clean

start: install serve

test: install-test
	$(BIN)/python -m pytest

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@./.ci/install-ocr

install-test: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	@command -v chromium >/dev/null || ./.ci/install-browser
	@./.ci/install-postgres
	@./.ci/install-ocr

serve:
	$(BIN)/hoidap serve --host 127.0.0.1 --port 8000

eval:
	$(BIN)/hoidap eval --gold eval/gold.jsonl --out eval/out

bench:
	$(BIN)/hoidap bench

clean:
	rm -rf data eval/out
