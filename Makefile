# Darman: `make demo` to try it, `make test` for the whole check.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint typecheck imports pytest browser java postgres bench clean

# The spark extra too: `make test` runs the kernel on Spark local[2] against DuckDB.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,spark]'
	touch $(STAMP)

# `make demo PORT=8080` serves on another port
PORT ?= 8000
demo: $(STAMP)
	DARMAN_DEMO_MODE=1 $(BIN)/darman demo --port $(PORT)

test: $(STAMP) browser java postgres lint typecheck imports pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

imports: $(STAMP)
	$(BIN)/lint-imports

# One pytest worker per core (pytest-xdist); each worker makes its own SQLite file and
# PostgreSQL database. worksteal lets an idle worker take queued tests from a busy one, so
# the long browser and reliability tests do not leave the other core idle at the end.
PYTEST_WORKERS ?= 2
pytest: $(STAMP)
	$(BIN)/pytest -q -n $(PYTEST_WORKERS) --dist worksteal --durations=20

# Browser tests drive Debian's Chromium; Playwright never downloads a browser here.
browser:
	@test -x /usr/bin/chromium || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

# Spark (the kernel's Spark test) runs on Java 17, Debian's package.
java:
	@command -v java >/dev/null || { \
	  echo "installing Debian's Java 17 for Spark"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless; }

# The suite runs on PostgreSQL as well as SQLite; start the local cluster if it is down.
postgres:
	@pg_isready -q -h 127.0.0.1 -p 5432 || { \
	  echo "starting PostgreSQL"; \
	  pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start; \
	  for i in $$(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done; }
	@pg_isready -h 127.0.0.1 -p 5432

bench: $(STAMP)
	$(BIN)/python bench/seed.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
