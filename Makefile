# Two set-up commands: `make demo` and `make test`. Everything else is a building block.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
# One Python version everywhere (stacks/constants.py PYTHON_VERSION, pyproject.toml).
PYTHON_VERSION := 3.11
PYTHON ?= python$(PYTHON_VERSION)
ARGS ?=
STACK ?= AccountTools-dev
# Hashed locks, one per deployable plus the development environment (`make lock` writes them).
LOCKS := requirements-dev.txt lambdas/requirements.txt runtime_image/requirements.txt
WHEELHOUSE := .local/wheelhouse
ARM64 := --platform manylinux2014_aarch64 --implementation cp --python-version $(PYTHON_VERSION)
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
# Node 20 passed its jsii end-of-support date (2026-10-30); this machine has Node 20 (value = major versions).
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export PYTHONPATH := $(CURDIR)/lambdas:$(CURDIR)/runtime_image:$(CURDIR)
export AWS_EC2_METADATA_DISABLED := true

.PHONY: install system-deps demo test lint format unit integration infra e2e synth cfn-lint bench clean lock wheels smoke rds-ca-bundle

# The development environment, exactly as locked: every file hash-checked, nothing resolved here.
$(VENV)/.installed: requirements-dev.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -c 'import sys; v = "%d.%d" % sys.version_info[:2]; sys.exit(0 if v == "$(PYTHON_VERSION)" else \
		f"$(VENV) runs Python {v}; this project uses $(PYTHON_VERSION): rm -rf $(VENV) and make install")'
	$(PY) -m pip install --quiet --require-hashes --no-deps -r requirements-dev.txt
	# The operators' CLI (console script account-tools-admin), its dependencies already locked above.
	$(PY) -m pip install --quiet --no-deps --no-build-isolation --editable .
	touch $@

# Locked linux/arm64 wheels of both deployables (and this machine's wheels of the runtime, for the
# test that starts the code artifact), hash-checked. Bundling and the artifact tests use them offline.
$(WHEELHOUSE)/.complete: $(VENV)/.installed lambdas/requirements.txt runtime_image/requirements.txt
	$(PY) -m pip download --quiet --require-hashes --no-deps --only-binary=:all: $(ARM64) -d $(WHEELHOUSE) \
		-r lambdas/requirements.txt
	$(PY) -m pip download --quiet --require-hashes --no-deps --only-binary=:all: $(ARM64) -d $(WHEELHOUSE) \
		-r runtime_image/requirements.txt
	$(PY) -m pip download --quiet --require-hashes --no-deps --only-binary=:all: -d $(WHEELHOUSE) \
		-r runtime_image/requirements.txt
	touch $@

wheels: $(WHEELHOUSE)/.complete

# Re-resolve the locks from the *.in files. Locked versions are kept unless an .in pin changed
# (`make lock UPGRADE=--upgrade-package=NAME` to move one). The deployables are constrained by the
# development lock, so the tests run exactly the versions that ship.
lock:
	$(VENV)/bin/uv pip compile --quiet requirements-dev.in -o requirements-dev.txt --universal \
		--python-version $(PYTHON_VERSION) --generate-hashes --custom-compile-command "make lock" $(UPGRADE)
	for deployable in lambdas runtime_image; do \
		$(VENV)/bin/uv pip compile --quiet $$deployable/requirements.in -o $$deployable/requirements.txt \
			--python-platform aarch64-manylinux2014 --python-version $(PYTHON_VERSION) --generate-hashes \
			--constraint requirements-dev.txt --custom-compile-command "make lock" || exit 1; \
	done

node_modules/.installed: package.json
	npm install --no-audit --no-fund --loglevel=error
	touch $@

system-deps:  ## PostgreSQL server binaries (the local stack and the tests run a real one)
	@bash local_stack/ensure_postgres.sh

install: system-deps $(VENV)/.installed node_modules/.installed wheels

demo: system-deps $(VENV)/.installed  ## local stack + scripted agent session; ARGS=--once exits after it
	$(PY) -m local_stack.demo $(ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy lambdas/credential_vendor lambdas/account_registry lambdas/account_admin lambdas/caller_assertion lambdas/gateway_interceptor account_tools_admin runtime_image/account_tools runtime_image/main.py local_stack stacks smoke app.py tests

format: $(VENV)/.installed
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

unit: $(VENV)/.installed
	$(PY) -m pytest tests/unit -q

integration: system-deps $(VENV)/.installed
	$(PY) -m pytest tests/integration -q

infra: install
	$(PY) -m pytest tests/infra -q

e2e: system-deps $(VENV)/.installed wheels
	$(PY) -m pytest tests/e2e -q

synth: install  ## offline: no AWS credentials, no Docker
	npx cdk synth --quiet

# After a deploy: outputs -> token -> tools through the Gateway -> get_caller_identity and a cost tool.
smoke: $(VENV)/.installed  ## STACK=AccountTools-dev ARGS="--account-id 222222222222"
	$(PY) -m smoke --stack $(STACK) $(ARGS)

cfn-lint: synth
	$(VENV)/bin/cfn-lint cdk.out/*.template.json cdk.out/assembly-*/*.template.json

test: install lint  ## lint + types, then every test layer, then cfn-lint on the synthesized templates
	$(PY) -m pytest -q
	$(MAKE) --no-print-directory cfn-lint

bench: system-deps $(VENV)/.installed
	$(PY) -m local_stack.bench

clean:
	rm -rf cdk.out .local .mypy_cache .ruff_cache .pytest_cache

rds-ca-bundle:  ## the RDS global CA bundle the registry functions verify the database certificate with
	curl -fsS --proto '=https' -o lambdas/account_registry/certs/rds-global-bundle.pem \
	  https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem
	$(PY) -c "from cryptography import x509; import sys; \
	  certs = x509.load_pem_x509_certificates(open(sys.argv[1], 'rb').read()); \
	  print(len(certs), 'certificates')" lambdas/account_registry/certs/rds-global-bundle.pem
