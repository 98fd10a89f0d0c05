# The two commands a newcomer needs: `make run` and `make test` (see README.md).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip
# The laptop: debug pages, the SQLite file beside manage.py, no secrets to set.
LOCAL := DEBUG=1
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run serve worker test bench lint format superuser demo-accounts lock clean

# axe-core, from the npm registry, for the accessibility tests; without npm those tests skip and say so.
AXE := node_modules/axe-core/axe.min.js
TEST_TOOLS := $(if $(shell command -v npm),$(AXE))

run: $(VENV)/.installed
	$(LOCAL) $(BIN)/python manage.py migrate --noinput
	$(LOCAL) $(BIN)/python manage.py createcachetable
	$(LOCAL) $(BIN)/python manage.py load_demo
	@echo
	@echo "Serving on http://$(HOST):$(PORT)/  (editors: http://$(HOST):$(PORT)/admin/)"
	@echo "To sign in, in another terminal: make demo-accounts (an Author, a Medical reviewer and an Editor)"
	@echo "or make superuser. Another port: make run PORT=8001"
	@echo "A background worker runs beside the site (e-mail goes to this terminal); Ctrl-C stops both."
	@echo
	@$(LOCAL) $(BIN)/python manage.py worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(LOCAL) $(BIN)/python manage.py runserver $(HOST):$(PORT)

# Production: settings from the environment (see README, "Deployment"); no demo content.
serve: $(VENV)/.installed
	$(BIN)/python manage.py check --deploy --fail-level ERROR
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py createcachetable
	$(BIN)/python manage.py purge_pages
	$(BIN)/gunicorn --config gunicorn.conf.py

# Production's background worker (newsletters, e-mail): run one or more beside `make serve`, on any
# machine that reaches the database (see README, "Workers").
worker: $(VENV)/.installed
	$(BIN)/python manage.py worker --no-reload

# The suite runs in TEST_WORKERS processes (pytest-xdist), each with its own test database and Redis
# database; TEST_WORKERS=0 runs it in this one.
TEST_WORKERS ?= 2

test: $(VENV)/.installed $(TEST_TOOLS)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS))

# The site under load (see bench/load.py and bench/RESULTS.md): needs wrk (apt-get install wrk) and
# about 15 minutes. SQLite in a temporary folder, or DATABASE_URL=postgres://…/an_empty_database.
bench: $(VENV)/.installed
	$(BIN)/python bench/load.py $(BENCH_ARGS)

lint: $(VENV)/.installed
	$(BIN)/ruff check .

format: $(VENV)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Asks for the name and password; without a terminal, give them in DJANGO_SUPERUSER_USERNAME,
# DJANGO_SUPERUSER_EMAIL and DJANGO_SUPERUSER_PASSWORD.
superuser: $(VENV)/.installed
	$(LOCAL) $(BIN)/python manage.py migrate --noinput
	$(LOCAL) $(BIN)/python manage.py createcachetable
	$(LOCAL) $(BIN)/python manage.py createsuperuser $(if $(DJANGO_SUPERUSER_PASSWORD),--noinput)

# One account per editorial role, with printed passwords, to try the workflow (refused without DEBUG).
demo-accounts: $(VENV)/.installed
	$(LOCAL) $(BIN)/python manage.py migrate --noinput
	$(LOCAL) $(BIN)/python manage.py createcachetable
	$(LOCAL) $(BIN)/python manage.py demo_accounts

# Re-pin every package to the newest versions pyproject.toml allows (its dependencies and test extras).
lock:
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --upgrade pip
	.lock-venv/bin/python -m pip install --quiet '.[test]'
	echo "# Every package the site and its tests install, pinned. Regenerate with 'make lock'." > requirements.lock
	.lock-venv/bin/python -m pip freeze --exclude ldnsite >> requirements.lock
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) node_modules .pytest_cache .ruff_cache .hypothesis staticfiles *.egg-info

$(AXE): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# The site runs from this folder, so only its pinned dependencies are installed (test tools included:
# they are small, and one environment serves both commands).
$(VENV)/.installed: requirements.lock | $(BIN)/python
	$(PIP) install --quiet --requirement requirements.lock
	touch $@
