# Dagtilbudsportalen. `make run` runs the portal, `make test` tests it.
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DB_SERVICES := ingest auth profiles search
PYPROJECTS := $(wildcard libs/*/pyproject.toml contracts/pyproject.toml services/*/pyproject.toml)
# The web service's stylesheet is built from these (services/web/assets/build).
WEB_ASSETS := services/web/assets/package-lock.json services/web/assets/build $(wildcard services/web/assets/scss/*.scss)
WEB_CATALOGUES := $(wildcard services/web/src/web/translations/*/LC_MESSAGES/messages.po)

# make run: every service on its SQLite file under var/, the local Kafka and Redis.
RUN_ENV := DATA_DIR=$(CURDIR)/var KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:9092 REDIS_URL=redis://127.0.0.1:6379/0
# make test: the local PostgreSQL, Kafka and Redis (deploy/local/up writes their
# addresses to $(LOCAL_STATE)/env).
LOCAL_STATE := $(or $(DAGTILBUD_LOCAL_STATE),.local)
TEST_ENV = set -a && source $(LOCAL_STATE)/env && set +a && \
	export DATABASE_URL="$$LOCAL_POSTGRES_URL/postgres" \
	       KAFKA_BOOTSTRAP_SERVERS="$$LOCAL_KAFKA_BOOTSTRAP_SERVERS" \
	       REDIS_URL="redis://127.0.0.1:6379/1"

.PHONY: help venv infra browser down migrate demo-data run test test-fast lint typecheck contracts openapi translations bench clean

help:
	@echo "make run        run the portal on http://127.0.0.1:8000 (Ctrl-C stops it)"
	@echo "make test       lint, typecheck and the whole test suite on real PostgreSQL, Kafka, Redis"
	@echo "make test-fast  the unit tests (every tests/unit/), on fakes, without any server"
	@echo "make bench      measurements (event round trip, relay throughput)"
	@echo "make lint | typecheck | contracts | openapi | translations | infra | browser | down | clean"

$(STAMP): constraints.txt requirements-dev.txt $(PYPROJECTS) deploy/local/venv $(WEB_ASSETS) $(WEB_CATALOGUES)
	deploy/local/venv
	@touch $@

venv: $(STAMP)

infra:
	deploy/local/up

# Debian's chromium for the browser tests (Playwright drives it; no download).
browser:
	deploy/local/browser

down:
	deploy/local/down

# auth's migration makes the first admin ("admin") from BOOTSTRAP_ADMIN_PASSWORD:
# the environment's, or else the one deploy/local/admin-password keeps in
# $(ADMIN_PASSWORD_FILE) (made on the first run, which says where it is).
ADMIN_PASSWORD_FILE = $(LOCAL_STATE)/secrets/bootstrap-admin-password
migrate: venv
	@for svc in $(DB_SERVICES); do \
		if [ $$svc = auth ] && [ -z "$${BOOTSTRAP_ADMIN_PASSWORD:-}" ]; then \
			deploy/local/admin-password || exit 1; \
			BOOTSTRAP_ADMIN_PASSWORD="$$(cat '$(ADMIN_PASSWORD_FILE)')" \
				$(RUN_ENV) $(BIN)/python -m $$svc.entrypoints.migrate || exit 1; \
		else \
			$(RUN_ENV) $(BIN)/python -m $$svc.entrypoints.migrate || exit 1; \
		fi; \
	done

# The demo's register and statistics go through the same import path as any file.
demo-data: migrate
	@$(RUN_ENV) $(BIN)/ingest import --quiet data/dagtilbud_enheder_dk.csv
	@$(RUN_ENV) $(BIN)/ingest import --quiet data/dagtilbud_kommune_statistik_2017_2023.csv

run: venv infra migrate demo-data
	@echo "Dagtilbudsportalen: http://127.0.0.1:8000  (APIs: ingest 8001, auth 8002, profiles 8003, search 8004; Ctrl-C stops)"
	@$(RUN_ENV) PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start -f Procfile

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check libs contracts services tests

typecheck: venv
	$(BIN)/mypy libs/dagkit/src contracts/src $(foreach s,$(wildcard services/*),$(s)/src) tests

contracts: venv
	$(BIN)/python -m dagtilbud_contracts.export

openapi: venv
	$(BIN)/python -m tests.tools.openapi write

# Extracts new Danish text of the web pages into the English catalogue (then
# translate the new entries) and compiles it.
translations: venv
	$(BIN)/python -m tests.tools.translations write
	$(BIN)/python -m tests.tools.translations compile

test: venv infra browser lint typecheck
	$(TEST_ENV) && $(BIN)/pytest

# Unit tests only: on fakes, no PostgreSQL, Kafka or Redis (the kit's pytest
# plugin fails any of them that asks for one).
UNIT_TESTS = $(wildcard libs/*/tests/unit contracts/tests/unit services/*/tests/unit)
test-fast: venv
	@started=$$EPOCHREALTIME; $(BIN)/pytest $(UNIT_TESTS); status=$$?; \
	awk -v a=$$started -v b=$$EPOCHREALTIME 'BEGIN { printf "unit tests: %.1f s\n", b - a }'; \
	exit $$status

bench: venv infra
	$(TEST_ENV) && $(BIN)/python -m tests.bench

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
