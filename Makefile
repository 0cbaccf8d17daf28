# Two set-up commands: `make demo` and `make test`. Everything else is a building block.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
ARGS ?=
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
# Node 20 passed its jsii end-of-support date (2026-10-30); this machine has Node 20 (value = major versions).
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export PYTHONPATH := $(CURDIR)/lambdas:$(CURDIR)/runtime_image:$(CURDIR)
export AWS_EC2_METADATA_DISABLED := true

.PHONY: install system-deps demo test lint format unit integration infra e2e synth cfn-lint bench clean

$(VENV)/.installed: requirements.txt requirements-dev.txt lambdas/requirements.txt runtime_image/requirements.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json
	npm install --no-audit --no-fund --loglevel=error
	touch $@

system-deps:  ## PostgreSQL server binaries (the local stack and the tests run a real one)
	@bash local_stack/ensure_postgres.sh

install: system-deps $(VENV)/.installed node_modules/.installed

demo: system-deps $(VENV)/.installed  ## local stack + scripted agent session; ARGS=--once exits after it
	$(PY) -m local_stack.demo $(ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy lambdas/credential_vendor lambdas/account_registry lambdas/account_admin runtime_image/account_tools local_stack stacks app.py

format: $(VENV)/.installed
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

unit: $(VENV)/.installed
	$(PY) -m pytest tests/unit -q

integration: system-deps $(VENV)/.installed
	$(PY) -m pytest tests/integration -q

infra: install
	$(PY) -m pytest tests/infra -q

e2e: system-deps $(VENV)/.installed
	$(PY) -m pytest tests/e2e -q

synth: install  ## offline: no AWS credentials, no Docker
	npx cdk synth --quiet

cfn-lint: synth
	$(VENV)/bin/cfn-lint cdk.out/*.template.json cdk.out/assembly-*/*.template.json

test: install lint  ## lint + types, then every test layer, then cfn-lint on the synthesized templates
	$(PY) -m pytest -q
	$(MAKE) --no-print-directory cfn-lint

bench: system-deps $(VENV)/.installed
	$(PY) -m local_stack.bench

clean:
	rm -rf cdk.out .local .mypy_cache .ruff_cache .pytest_cache
