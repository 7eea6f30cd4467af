# Platform Console — the two commands of the README: `make run` and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

# Django 6 needs Python >= 3.12: use python3.13/python3.12 if they run, else pyenv's 3.12 or 3.13.
PYTHON ?= $(shell for c in python3.13 python3.12 python3; do \
	  if command -v $$c >/dev/null 2>&1 && $$c -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then command -v $$c; exit; fi; done; \
	  for v in 3.13 3.12; do p=$$(pyenv prefix $$v 2>/dev/null | head -1); \
	  if [ -n "$$p" ] && [ -x "$$p/bin/python" ]; then echo "$$p/bin/python"; exit; fi; done; \
	  for p in $$HOME/.pyenv/versions/3.1[23]*/bin/python; do [ -x "$$p" ] && { echo "$$p"; exit; }; done)

.PHONY: run test venv lock bench clean check-python

check-python:
	@if [ -z "$(PYTHON)" ]; then echo "Platform Console needs Python 3.12 or newer (Django 6). Install it, or run: make PYTHON=/path/to/python3.12 run" >&2; exit 1; fi

# The production pins (all the image installs) and the test tools pinned on top of them.
$(VENV)/.installed: requirements.lock tests/requirements.lock | check-python
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock -r tests/requirements.lock
	@touch $@

venv: $(VENV)/.installed

run: venv
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py seed_demo
	@echo ""
	@echo "  Platform Console is running at http://127.0.0.1:$(PORT)/"
	@echo "  Sign in as admin@demo.test (or developer@, analyst@, support@, viewer@demo.test), password: demo"
	@echo "  Provider back office: http://127.0.0.1:$(PORT)/backoffice/ (create a staff user with createsuperuser)"
	@echo ""
	DEBUG=1 $(PY) manage.py runserver 127.0.0.1:$(PORT)

# With DATABASE_URL set (CI: PostgreSQL) the money tests run a second time on SQLite, the demo's
# database: every money operation is proven on both (issue 15).
test: venv
	$(PY) -m ruff check .
	$(PY) -m pytest $(PYTEST_ARGS)
	@if [ -n "$$DATABASE_URL" ] && [ -z "$(PYTEST_ARGS)" ]; then \
	  echo "== the money tests again, on SQLite"; \
	  env -u DATABASE_URL $(PY) -m pytest -q -m "not browser" tests/money; fi

# The benchmark (issue 9; not part of `make test`): loads N connected accounts into a PostgreSQL
# database of its own and measures the console there, beside Django's admin and pgbench.
# make bench BENCH_ARGS="--accounts 1000000"   (see: python manage.py bench --help)
# The bench's own staff user signs in to the admin baseline with its password (no authenticator).
bench: venv
	DATABASE_URL="$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/console_bench}" DEBUG=0 CELERY_TASK_ALWAYS_EAGER=1 \
	BACKOFFICE_ALLOW_PASSWORD_ONLY=1 \
	SECRET_KEY="$${SECRET_KEY:-bench-only-not-a-secret}" $(PY) manage.py bench $(BENCH_ARGS)

# Rewrites requirements.lock (production) and tests/requirements.lock (the test extra) from
# pyproject.toml in a throwaway venv, keeping the pins they already have; UPGRADE=1 resolves afresh.
lock: check-python
	UPGRADE="$(UPGRADE)" $(PYTHON) platform_console/deploy/lock.py

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 .pytest_cache
