# make run   - virtualenv, install, migrate SQLite with seed data, ensure an admin, serve :8000
# make test  - the whole suite on SQLite (with the SQL Server shadow pass), then again on a throwaway PostgreSQL server
VENV ?= .venv
PY := $(VENV)/bin/python
PYTEST := $(VENV)/bin/pytest
PYTHON ?= python3

.PHONY: install run test test-sqlite test-postgres test-sqlserver mutation clean

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements.txt
	touch $@

install: $(VENV)/.installed

run: install
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py ensure_admin
	DEBUG=1 $(PY) manage.py runserver 127.0.0.1:8000

test: test-sqlite test-postgres

test-sqlite: install
	SQLSERVER_SHADOW=1 $(PYTEST) -m "not fuzz"

test-postgres: install
	scripts/with-postgres $(PYTEST) -m "not browser"

# The suite against SQL Server: DATABASE_URL's, else a throwaway Docker container (scripts/with-sqlserver).
test-sqlserver: install
	scripts/with-sqlserver $(PYTEST) -m "not browser and not fuzz and not postgres"

# Mutation testing of the security-critical modules (docs/testing.md): about 11 minutes, not in CI.
mutation: install
	rm -rf mutants
	$(VENV)/bin/mutmut run --max-children 2
	$(PY) scripts/mutation_report.py

clean:
	rm -rf $(VENV) var mutants
