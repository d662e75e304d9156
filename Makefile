# make run   - virtualenv, runtime install, migrate SQLite with seed data, ensure an admin, serve :8000
# make test  - lint (ruff, ruff format, mypy), then the whole suite on SQLite (with the SQL Server
#              shadow pass), then again on a throwaway PostgreSQL server
VENV ?= .venv
PY := $(VENV)/bin/python
PYTEST := $(VENV)/bin/pytest
PYTHON ?= python3
# The locks carry a hash for every file; pip refuses anything else.
PIP_INSTALL := $(VENV)/bin/pip install --quiet --require-hashes --no-deps

.PHONY: install install-dev run lint test test-sqlite test-postgres test-sqlserver coverage mutation hooks lock clean

$(PY):
	$(PYTHON) -m venv $(VENV)

# What the running service needs (requirements.txt), and everything for tests and tooling on top.
$(VENV)/.runtime: requirements.txt | $(PY)
	$(PIP_INSTALL) -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt | $(PY)
	$(PIP_INSTALL) -r requirements-dev.txt
	touch $@

install: $(VENV)/.runtime

install-dev: $(VENV)/.dev

# The email worker (the Procfile's "worker") runs beside the dev server, both reloading on code
# changes, and stops with it: Ctrl+C reaches both; any other exit of runserver stops the worker's
# reloader child, then the reloader itself.
run: install
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py ensure_admin
	DEBUG=1 $(PY) manage.py db_worker & worker=$$!; \
	trap 'pkill -TERM -P $$worker; kill -TERM $$worker 2>/dev/null; wait $$worker' EXIT; \
	trap 'exit 130' INT TERM; \
	DEBUG=1 $(PY) manage.py runserver 127.0.0.1:8000

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

test: lint test-sqlite test-postgres

test-sqlite: install-dev
	SQLSERVER_SHADOW=1 $(PYTEST) -m "not fuzz"

test-postgres: install-dev
	scripts/with-postgres $(PYTEST) -m "not browser"

# The suite against SQL Server: DATABASE_URL's, else a throwaway Docker container (scripts/with-sqlserver).
test-sqlserver: install-dev
	scripts/with-sqlserver $(PYTEST) -m "not browser and not fuzz and not postgres"

# Line and branch coverage of the SQLite pass (settings in pyproject.toml).
coverage: install-dev
	$(VENV)/bin/coverage run -m pytest -q -m "not fuzz and not browser"
	$(VENV)/bin/coverage report

# Mutation testing of the security-critical modules (docs/testing.md): about 11 minutes, not in CI.
mutation: install-dev
	rm -rf mutants
	$(VENV)/bin/mutmut run --max-children 2
	$(PY) scripts/mutation_report.py

# ruff and mypy on every commit (.pre-commit-config.yaml).
hooks: install-dev
	$(VENV)/bin/pre-commit install

# After changing a pin in pyproject.toml: resolve both locks again, with hashes.
UV_COMPILE := $(VENV)/bin/uv pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes \
	--custom-compile-command "make lock" --quiet
lock: install-dev
	$(UV_COMPILE) -o requirements.txt
	$(UV_COMPILE) --extra dev -c requirements.txt -o requirements-dev.txt

clean:
	rm -rf $(VENV) var mutants .mypy_cache .ruff_cache .coverage
