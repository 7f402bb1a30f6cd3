# The two commands: `make run` and `make test`. Both set up what is missing and are idempotent.
SHELL := /bin/bash
PORT ?= 8000
export PORT
HOST ?= 127.0.0.1
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
CHROMIUM ?= /usr/bin/chromium
SERVICES_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test
SERVICES_REDIS_URL ?= redis://127.0.0.1:6379/0
GRADER_WORKERS ?= 1
VERIFY_DB := $(CURDIR)/var/verify.sqlite3
VERIFY_ENV := DATABASE_URL=sqlite:///$(VERIFY_DB) DJANGO_MEDIA_ROOT=$(CURDIR)/var/verify-media

.PHONY: run test test-services verify bench bench-quick bench-load bench-faults setup chromium migrate demo messages clean

setup: $(STAMP) chromium

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	@$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	@touch $(STAMP)

# chromium-driver: the WebDriver endpoint the tests run the page checks through (docs/deploy.md, "Browsers on a grid").
chromium:
	@if [ ! -x "$(CHROMIUM)" ] || [ ! -x /usr/bin/chromedriver ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "Installing Debian's chromium and chromium-driver (one time)..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-noto-cjk >/dev/null; \
	  else echo "Chromium missing: run 'sudo apt-get install chromium chromium-driver' (browser tests and grading need it)"; exit 1; fi; \
	fi

migrate: setup
	@$(PY) manage.py migrate --no-input -v0

demo: migrate
	@$(PY) manage.py load_demo

# The web server and $(GRADER_WORKERS) grading worker(s) (manage.py grading_worker) start and stop together.
run: demo
	@echo "Serving on http://$(HOST):$(PORT)/ with $(GRADER_WORKERS) grading worker(s)  (Ctrl-C stops)"
	@$(PY) manage.py serve --host $(HOST) --port $(PORT) --workers $(GRADER_WORKERS)

# `scenarios verify` for the whole catalog runs inside pytest (tests/e2e/test_verify_catalog.py).
test: setup
	@$(VENV)/bin/pytest

# The same verification through the command, on a fresh scratch database (never the dev one).
verify: setup
	@rm -rf $(VERIFY_DB) $(VERIFY_DB)-wal $(VERIFY_DB)-shm var/verify-media
	@$(VERIFY_ENV) $(PY) manage.py migrate --no-input -v0
	@$(VERIFY_ENV) $(PY) manage.py scenarios verify --require-personas $(SCENARIOS)

# The services suite: its own tests plus the core flows again, on PostgreSQL + the Redis layer.
SERVICES_FLOWS := tests/unit/test_isolation.py tests/unit/test_orders_services.py \
	tests/unit/test_storefront_checkout.py tests/unit/test_chat_consumers.py tests/unit/test_exam_sitting.py \
	tests/unit/test_exam_scores.py tests/e2e/test_shop_flows.py

test-services: setup
	@DATABASE_URL=$(SERVICES_DATABASE_URL) REDIS_URL=$(SERVICES_REDIS_URL) $(VENV)/bin/pytest tests/services $(SERVICES_FLOWS)

# Full benchmarks (on demand, ~25 min): provisioning and pages, grading, exam starts, recording size,
# handed-in file limits,
# then the load levels and every fault 5 times on the production shape (local PostgreSQL + Redis).
BENCH_PG ?= postgres://postgres@127.0.0.1:5432

bench: setup
	@$(PY) -m bench
	@$(PY) -m bench.pages_cpu
	@$(PY) -m bench.grading_browser
	@$(PY) -m bench.grading_batch
	@$(PY) -m bench.exam_start --candidates 100
	@$(PY) -m bench.recording_size --minutes 3
	@$(PY) -m bench.file_limits
	@DATABASE_URL=$(BENCH_PG)/load $(PY) -m bench.load
	@DATABASE_URL=$(BENCH_PG)/faults $(PY) -m bench.faults

# Quick mode, run by CI after the tests (~2–3 min): the provisioning smoke run, one load level
# (40 candidates; exits non-zero on any error or failed socket) and the database outage under the
# production setting (the connection pool). The other faults run in CI through the services suite,
# which calls the same scenario functions (tests/services/test_faults.py, test_production_stack.py).
bench-quick: setup
	@$(PY) -m bench --quick
	@DATABASE_URL=$(BENCH_PG)/load $(PY) -m bench.load --quick
	@DATABASE_URL=$(BENCH_PG)/faults $(PY) -m bench.faults --quick --only database_outage_pool

# Many candidates at once against the production shape (PostgreSQL + Redis db 9 + 2 web processes
# + 2 workers): needs the local PostgreSQL and Redis. Figures in docs/benchmarks.md.
bench-load: setup
	@DATABASE_URL=$${DATABASE_URL:-$(BENCH_PG)/load} $(PY) -m bench.load

# Faults under real users (Redis restart, database outage, replica and worker kills), 5 runs each:
# a throw-away database bench_faults on the local PostgreSQL and its own redis-server. docs/reliability.md.
bench-faults: setup
	@DATABASE_URL=$${DATABASE_URL:-$(BENCH_PG)/faults} $(PY) -m bench.faults

messages: setup
	@$(PY) manage.py makemessages -l en --ignore=.venv --ignore=var
	@$(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf var
