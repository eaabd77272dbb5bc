# LynrieScoop — the front door. Every target uses the tools inside .venv, so nothing needs activating.
#
#   make run     set everything up if needed, then serve (embedded PostgreSQL and MQTT unless configured)
#   make test    set everything up if needed, then run the test suite (PYTEST_ARGS="-k booking -x" passes through)
#   make test-unit  the fast suite: every test that needs neither PostgreSQL nor MQTT (no services, seconds)
#   make lint    ruff check, ruff format --check, mypy --strict, import-linter contracts
#   make fmt     format and auto-fix
#   make web-vendor  rebuild the vendored MQTT.js of the web page from web/package-lock.json (needs node and npm)
#
# Only python3 (3.11+, with the venv module) is needed on a fresh machine.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# Folders that exist in this checkout (an empty folder is not kept by git, and ruff fails on a missing path).
LINT_PATHS := $(wildcard src tests bench migrations)

PYTEST_ARGS ?=
BENCH_ARGS ?=
SERVE_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help install run test test-unit lint fmt migrate seed bench clean distclean web-vendor

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  make %-10s %s\n", $$1, $$2}'

install: $(STAMP) ## create .venv and install the project with its dev tools (cheap when up to date)

# The stamp is rebuilt only when pyproject.toml changes (or .venv is gone); the install is editable,
# so source edits never need a reinstall.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || { \
		echo "error: '$(PYTHON) -m venv' failed: install Python 3.11+ with its venv module (Debian: python3-venv)" >&2; \
		exit 1; }
	@echo "installing lynriescoop and its dev tools into $(VENV) ..."
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --progress-bar off -e '.[dev]'
	@touch $@

# exec: the shell becomes the server, so a signal sent to the recipe's process reaches the server itself.
run: install ## serve API, MQTT consumer, outbox relay, sweeper (SERVE_ARGS e.g. "--port 8080")
	exec $(BIN)/lynriescoop serve $(SERVE_ARGS)

test: install ## run the test suite; PYTEST_ARGS passes options through
	@$(BIN)/pytest $(PYTEST_ARGS); status=$$?; \
	if [ $$status -eq 5 ]; then echo "error: pytest collected no tests (exit code 5): treated as a failure" >&2; fi; \
	exit $$status

test-unit: install ## the fast suite: tests marked neither postgres nor mqtt (no services needed)
	@$(BIN)/pytest -m "not postgres and not mqtt" $(PYTEST_ARGS); status=$$?; \
	if [ $$status -eq 5 ]; then echo "error: pytest collected no tests (exit code 5): treated as a failure" >&2; fi; \
	exit $$status

lint: install ## ruff check, ruff format --check, mypy --strict, lint-imports
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)
	$(BIN)/mypy
	$(BIN)/lint-imports

fmt: install ## format the code and apply ruff's safe fixes
	$(BIN)/ruff format $(LINT_PATHS)
	$(BIN)/ruff check --fix $(LINT_PATHS)

migrate: install ## apply pending migrations to DATABASE_URL (or the embedded database)
	$(BIN)/lynriescoop migrate

seed: install ## load idempotent demo data and print the demo credentials
	$(BIN)/lynriescoop seed

web-vendor: ## rebuild the web page's vendored MQTT.js from web/package-lock.json (needs node and npm; the result is committed)
	cd web && npm ci --no-audit --no-fund --ignore-scripts
	$(PYTHON) web/vendor.py

bench: install ## run the benchmarks (results land in docs/benchmarks.md); BENCH_ARGS passes options through
	@command -v wrk >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "installing wrk (apt-get) ..."; \
			apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk; }; \
		else \
			echo "error: the benchmarks need wrk: 'apt-get install wrk' (Debian, Ubuntu) or 'brew install wrk'" >&2; \
			exit 1; \
		fi; }
	$(BIN)/python -m bench $(BENCH_ARGS)

clean: ## remove caches and build output (keeps .venv and the data under var/)
	rm -rf build dist .pytest_cache .mypy_cache .ruff_cache .hypothesis .import_linter_cache src/*.egg-info
	find . \( -path ./$(VENV) -o -path ./var -o -path ./.git \) -prune -o -type d -name __pycache__ -exec rm -rf {} +

distclean: clean ## also remove .venv (the embedded database under var/ is kept; delete var/ by hand)
	rm -rf $(VENV)
