# Ralph-ES developer commands. `make run` and `make test` are the Quick start.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
ADMIN_PASSWORD ?= admin

.PHONY: install run test bench clean

$(BIN)/ralph-es: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/ralph-es

run: install
	$(BIN)/ralph-es users create admin --password '$(ADMIN_PASSWORD)' --superuser --exist-ok
	@echo "Superuser: admin / $(ADMIN_PASSWORD)"
	$(BIN)/ralph-es serve --host $(HOST) --port $(PORT)

test: install
	$(BIN)/pytest

bench: install
	$(BIN)/python bench/events.py

clean:
	rm -rf $(VENV) var .pytest_cache
