# Two commands: `make run` sets up and runs the bot; `make test` sets up and runs every test.
# Each creates the virtual environment and installs what it needs on a fresh machine.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-run
STAMP_DEV := $(VENV)/.installed-dev

.PHONY: run test lint typecheck pytest migrate demo messages bench chaos clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[postgres]"
	touch $@

$(STAMP_DEV): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[postgres,dev]"
	touch $@ $(STAMP_RUN)

run: $(STAMP_RUN)
	$(BIN)/python -m bot start

# With TEST_POSTGRES_DSN set (CI sets it), the suite runs twice: every flow on SQLite, then
# every flow again on PostgreSQL (TEST_STORE=postgres, tests/stores.py).
test: $(STAMP_DEV)
	$(BIN)/ruff check .
	$(BIN)/mypy bot telegram_sim tests bench
	$(BIN)/python -m pytest
	@if [ -n "$$TEST_POSTGRES_DSN" ]; then \
	  echo "== the whole suite again, every flow on PostgreSQL (TEST_STORE=postgres) =="; \
	  TEST_STORE=postgres $(BIN)/python -m pytest; \
	fi

# The chaos suite (docs/money-chaos.md): faults at every statement and provider call of the
# money paths, and kill -9 of the bot mid-deal; on SQLite, then on PostgreSQL when
# TEST_POSTGRES_DSN is set (both run; the target fails if either does). Each run ends with
# `chaos: N fault points, K kills, L lost, D duplicated` and fails unless L and D are 0.
chaos: $(STAMP_DEV)
	@status=0; \
	$(BIN)/python -m tests.chaos --store sqlite || status=1; \
	if [ -n "$$TEST_POSTGRES_DSN" ]; then \
	  $(BIN)/python -m tests.chaos --store postgres --dsn "$$TEST_POSTGRES_DSN" || status=1; \
	fi; \
	exit $$status

migrate: $(STAMP_RUN)
	$(BIN)/python -m bot migrate

demo: $(STAMP_RUN)
	$(BIN)/python -m bot demo

messages: $(STAMP_DEV)
	$(BIN)/python -m bot messages

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
