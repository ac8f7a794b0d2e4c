# Beacon: `make demo` runs it, `make test` checks it. Both set themselves up.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin
PYTHON_SYS := $(shell scripts/find-python.sh)
DATA_DIR ?= $(CURDIR)/data
PORT ?= 8000
export DATA_DIR

.PHONY: help install demo serve test lint typecheck unit live e2e live-e2e system-deps messages bench clean

help:
	@echo "make demo     set up and run Beacon with demo data on http://127.0.0.1:$(PORT)"
	@echo "make test     set up and run lint, type checks and every test"
	@echo "make install  create .venv and install Beacon with its 'beacon' command"

$(BIN)/.installed: pyproject.toml
	@test -n "$(PYTHON_SYS)" || { scripts/find-python.sh; exit 1; }
	@test -x $(BIN)/python || $(PYTHON_SYS) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

install: $(BIN)/.installed

# Debian packages that tests need (a real browser for Playwright, Dovecot as the IMAP server of
# the email live tests); installed only when missing.
system-deps:
	@test -x /usr/sbin/dovecot || { \
	  echo "Installing Debian's dovecot-imapd for the email live tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd >/dev/null) \
	  || { echo "Could not install dovecot-imapd: run 'apt-get install dovecot-imapd' as root"; exit 1; }; }
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for browser tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || { echo "Could not install chromium: run 'apt-get install chromium' as root"; exit 1; }; }

demo: install
	$(BIN)/beacon migrate --no-input -v 0
	$(BIN)/beacon demo_load
	PORT=$(PORT) $(BIN)/beacon serve --with-worker

serve: install
	PORT=$(PORT) $(BIN)/beacon serve --with-worker

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy beacon e2e bench

unit: install
	DATA_DIR=$$(mktemp -d) $(BIN)/beacon makemigrations --check --dry-run -v 1
	$(BIN)/pytest -q -n 2
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
	  echo "== again on PostgreSQL ($$TEST_DATABASE_URL)"; \
	  DATABASE_URL="$$TEST_DATABASE_URL" $(BIN)/pytest -q -n 2; \
	fi

# Live chat tests run uvicorn in a thread beside the test: a file database, as for e2e.
live: install system-deps
	SQLITE_TEST_NAME=$$(mktemp -u /tmp/beacon-live-XXXXXX.sqlite3) $(BIN)/pytest -q -m live -n 2

# The live server thread and the test share the database: use a file, not shared-memory SQLite.
e2e: install system-deps
	SQLITE_TEST_NAME=$$(mktemp -u /tmp/beacon-e2e-XXXXXX.sqlite3) $(BIN)/pytest -q -m e2e

# Both in one run on two workers, as `make test` runs them: most of their time is spent waiting
# for the servers and processes they start (one after the other: about 195 s; this way 120 s).
# Each xdist worker has its own test database file, email server ports and chat port range.
live-e2e: install system-deps
	SQLITE_TEST_NAME=$$(mktemp -u /tmp/beacon-live-XXXXXX.sqlite3) $(BIN)/pytest -q -m "live or e2e" -n 2

test: lint typecheck unit live-e2e

messages: install
	cd beacon && ../$(BIN)/beacon makemessages -l zh_Hans -l en --no-obsolete && ../$(BIN)/beacon compilemessages

# Beacon beside the django-helpdesk peer, one run (bench/README.md): `make bench` runs the default
# targets, `make bench BENCH_TARGETS="beacon-sqlite peer"` a subset; knobs (DURATION, ...) pass
# through the environment.
BENCH_TARGETS ?=
bench: install
	bash bench/run.sh $(BENCH_TARGETS)

clean:
	rm -rf $(VENV) build *.egg-info
