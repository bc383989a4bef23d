# Linli — the two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
PORT ?= 8000
# Local runs are demo mode: secrets and field keys are generated under var/ (see docs/configuration.md).
export DEBUG ?= 1

.PHONY: run test e2e fuzz bench lint format messages clean

$(VENV)/bin/activate:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { echo "Linli needs Python 3.11 or newer (set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed: $(VENV)/bin/activate pyproject.toml constraints.txt
	$(PIP) install --quiet -c constraints.txt -e .
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PIP) install --quiet -c constraints.txt -e '.[test]'
	@touch $@

run: $(VENV)/.installed
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@echo "Serving Linli on http://127.0.0.1:$(PORT)/"
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

test: $(VENV)/.installed-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/pytest

e2e: $(VENV)/.installed-test
	@test -x /usr/bin/chromium || { apt-get update -qq && apt-get install -y -qq chromium fonts-noto-cjk; }
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(VENV)/bin/pytest e2e

# Benchmarks: each prints its figure beside a baseline measured in the same run.
# DATABASE_URL=postgres://postgres@127.0.0.1:5432/linli make bench  — for the concurrent figures
# (the write-load bench runs SQLite, then PostgreSQL beside it when DATABASE_URL is given).
bench: $(VENV)/.installed
	$(PY) bench/ledger_bench.py
	$(PY) bench/warehouse_bench.py
	$(PY) bench/matching_bench.py
	$(PY) bench/roster_import_bench.py
	$(PY) bench/write_load_bench.py

# Schemathesis against the OpenAPI schema: no input may produce a 5xx (FUZZ_DATABASE=postgres too).
fuzz: $(VENV)/.installed-test
	bash e2e/fuzz_api.sh

lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed-test
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Re-extract and compile translations (needs GNU gettext; the compiled .mo files are committed).
messages: $(VENV)/.installed
	cd linli && ../$(PY) ../manage.py makemessages -l zh_Hans --no-obsolete --no-location
	cd linli && ../$(PY) ../manage.py compilemessages -l zh_Hans

clean:
	rm -rf $(VENV) var/static .pytest_cache
