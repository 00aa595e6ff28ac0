# Build, test and CI entry points of the sailpoint_isc.oauth collection.
# GNU make. `make help` lists the targets; CI runs `bash .ci/run` (= `make test`).

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:
MAKEFLAGS += --no-builtin-rules

PYTHON ?= python3
REQUIREMENTS := tests/requirements.txt

# Development / CI virtualenv (everything runs from here).
VENV ?= .venv
BIN := $(VENV)/bin
VENV_STAMP := $(VENV)/.requirements.stamp
VENV_PATH := PATH="$(abspath $(BIN)):$$PATH"

# Built and installed collection.
BUILD_DIR := build
COLLECTIONS_DIR := $(CURDIR)/$(BUILD_DIR)/collections
INSTALLED_COLLECTION := $(COLLECTIONS_DIR)/ansible_collections/sailpoint_isc/oauth

# ansible-lint syntax-checks playbooks that use this collection: it finds this work tree through a link here.
LINT_COLLECTIONS := $(CURDIR)/$(BUILD_DIR)/lint-collections

# ansible-test needs the collection at .../ansible_collections/<namespace>/<name>.
SANITY_DIR := $(BUILD_DIR)/sanity/ansible_collections/sailpoint_isc/oauth
SANITY_PYTHON ?= 3.11
SANITY_ARGS ?=

# Extra arguments, e.g. `make unit PYTEST_ARGS='-k token -x'`.
PYTEST_ARGS ?=
# Integration tests mostly wait on ansible-playbook processes: two workers, one test file each at a time.
INTEGRATION_ARGS ?= -n 2 --dist loadfile
ANSIBLE_LINT_ARGS ?=

# Documentation site (`make docs`): antsibull-docs + Sphinx in their own virtualenv, the HTML in $(DOCS_DIR)/build/html.
DOCS_VENV ?= .venv-docs
DOCS_REQUIREMENTS := docs/requirements.txt
DOCS_STAMP := $(DOCS_VENV)/.requirements.stamp
DOCS_DIR := $(BUILD_DIR)/docs

# Galaxy's importer (`make galaxy-import`) on the built tarball, in its own virtualenv: it pins its own ansible-core
# and ansible-lint. Configuration (ansible-test off, ansible-lint on): $(GALAXY_IMPORTER_CONFIG).
GALAXY_IMPORTER_VERSION ?= 0.4.44
GALAXY_IMPORTER_VENV ?= .venv-galaxy-importer
GALAXY_IMPORTER_STAMP := $(GALAXY_IMPORTER_VENV)/.galaxy-importer-$(GALAXY_IMPORTER_VERSION).stamp
GALAXY_IMPORTER_CONFIG := $(CURDIR)/tests/galaxy-importer.cfg
GALAXY_IMPORTER_LOG := $(BUILD_DIR)/galaxy-importer.log

# Compatibility matrix: the integration tests marked `compat` (both execution paths, the lookup, every module's
# lifecycle, both roles, and what differs between ansible-core releases: see COMPAT_TESTS in
# tests/integration/conftest.py) under the oldest supported ansible-core and the newest release.
COMPAT_MATRIX ?= oldest newest
COMPAT_PYTHON_oldest ?= $(PYTHON)
COMPAT_CORE_oldest ?= ansible-core>=2.16,<2.17
COMPAT_PYTHON_newest ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.13*/bin/python3.13) \
	$(shell command -v python3.13 2>/dev/null) $(shell command -v python3.12 2>/dev/null))
COMPAT_CORE_newest ?= ansible-core==2.21.5
# The unit tests of what the collection reads of ansible-core's internals (and relies on in its loaders) run on every
# leg as well, so that a release that changes them fails there by name.
COMPAT_UNIT_TESTS ?= tests/unit/plugins/plugin_utils/test_isc_core_internals.py \
	tests/unit/plugins/plugin_utils/test_isc_cached_imports.py \
	tests/unit/plugins/plugin_utils/test_isc_cached_definitions.py \
	tests/unit/plugins/lookup/test_isc_access_token_imports.py

# Gates of `make test` (scripts/run_gates.py), in order. sanity+lint,docs,galaxy-import: two lanes side by side,
# sanity in one, and lint, docs and galaxy-import one after another in the other; each of those uses one core (on a
# two-core machine the two lanes take about as long as the longer alone), while unit, integration and compat keep
# both cores busy and run alone. integration reuses the collection built by the `build` gate. `make test` builds the
# virtualenvs of docs, galaxy-import and compat in the background while unit and build run (at the lowest CPU
# priority: they must not slow those gates), and waits for them before integration (see WAIT_FOR_ENVIRONMENTS).
TEST_GATES ?= unit build integration sanity+lint,docs,galaxy-import compat
TEST_ENVIRONMENTS := $(DOCS_STAMP) $(GALAXY_IMPORTER_STAMP) $(addprefix venv-compat-,$(COMPAT_MATRIX))
# The gates that wait for those virtualenvs: the ones that need them, and integration, whose time has a goal of its
# own (at most 120 s). The builds take about 70 s of CPU time; sharing the two cores with them made the integration
# leg about 30 s longer (measured side by side: 153 and 156 s against 116 and 125 s alone).
WAIT_FOR_ENVIRONMENTS := integration docs galaxy-import compat

.PHONY: help venv test-environments build unit unit-thorough integration sanity lint docs galaxy-import test demo demo-check compat bench clean distclean

help:
	@echo 'Targets:'
	@echo '  venv         $(VENV) from $(REQUIREMENTS) (re-created only when that file changes)'
	@echo '  build        ansible-galaxy collection build -> $(BUILD_DIR)/, installed into $(BUILD_DIR)/collections'
	@echo '  unit         pytest tests/unit (hypothesis: fast profile)'
	@echo '  unit-thorough  pytest tests/unit with the thorough hypothesis profile'
	@echo '  integration  pytest tests/integration against the installed collection (runs build)'
	@echo '  sanity       ansible-test sanity --venv --python $(SANITY_PYTHON) on a copy in $(BUILD_DIR)/sanity'
	@echo '  lint         antsibull-changelog lint, antsibull-docs lint-collection-docs, ansible-lint (production)'
	@echo '  docs         HTML documentation site of the installed collection -> $(DOCS_DIR)/build/html (runs build)'
	@echo '  galaxy-import  the Galaxy importer $(GALAXY_IMPORTER_VERSION) on the built tarball; fails on any warning (runs build)'
	@echo '  test         venv + $(TEST_GATES) (what CI runs; a+b,c: lanes side by side), with the duration of each gate'
	@echo '  demo         build, then playbooks/demo/run_demo.py'
	@echo '  compat       integration tests marked compat, and the unit tests of what is read of ansible-core internals, under the oldest and newest ansible-core (compat-oldest, compat-newest)'
	@echo '  bench        benchmarks/: 50 tasks with the lookup vs debug, 100 clients x 3 tenants vs the rate limit, the write lock, one module call, 50 tenants x 20 clients'
	@echo '  clean        remove build output and caches (distclean: also the virtualenvs)'

# ---------------------------------------------------------------------------
# Virtualenv. The stamp is newer than $(REQUIREMENTS) while the venv matches it.

venv: $(VENV_STAMP)

$(VENV_STAMP): $(REQUIREMENTS)
	@echo "Creating $(VENV) from $(REQUIREMENTS) with $$(command -v $(PYTHON)) ($$($(PYTHON) --version 2>&1))"
	rm -rf '$(VENV)'
	$(PYTHON) -m venv '$(VENV)'
	'$(BIN)/python' -m pip install --quiet --upgrade pip
	'$(BIN)/python' -m pip install --quiet -r '$(REQUIREMENTS)'
	@touch '$@'

# ---------------------------------------------------------------------------
# Build the collection artifact and install it where integration tests and the demo find it.

build: venv
	rm -rf '$(BUILD_DIR)/collections' '$(BUILD_DIR)'/*.tar.gz
	'$(BIN)/ansible-galaxy' collection build --force --output-path '$(BUILD_DIR)' .
	ANSIBLE_COLLECTIONS_PATH='$(COLLECTIONS_DIR)' '$(BIN)/ansible-galaxy' collection install --offline --force -p '$(COLLECTIONS_DIR)' '$(BUILD_DIR)'/sailpoint_isc-oauth-*.tar.gz
	@test -f '$(INSTALLED_COLLECTION)/MANIFEST.json'
	@echo "Installed collection: $(INSTALLED_COLLECTION)"

# ---------------------------------------------------------------------------
# Tests. pytest's exit code fails the target, 5 ("no tests collected") included: every test directory has tests.
# Hypothesis runs its fast profile (tests/unit/conftest.py); `make unit-thorough` runs the thorough one.

unit: venv
	'$(BIN)/python' -m pytest tests/unit $(PYTEST_ARGS)

unit-thorough: venv
	HYPOTHESIS_PROFILE=thorough '$(BIN)/python' -m pytest tests/unit $(PYTEST_ARGS)

# SKIP_BUILD=1: use the collection a previous `make build` installed (make test does).
integration: venv $(if $(SKIP_BUILD),,build)
	@test -f '$(INSTALLED_COLLECTION)/MANIFEST.json' || { echo "ERROR: no installed collection; run 'make build'" >&2; exit 1; }
	ANSIBLE_COLLECTIONS_PATH='$(COLLECTIONS_DIR)' $(VENV_PATH) \
		'$(BIN)/python' -m pytest tests/integration $(INTEGRATION_ARGS) $(PYTEST_ARGS)

sanity: venv
	@for f in tests/sanity/ignore-*.txt; do \
		if [ -s "$$f" ]; then echo "ERROR: $$f must stay empty: fix the finding instead of ignoring it." >&2; exit 1; fi; \
	done
	'$(BIN)/python' scripts/stage_collection.py . '$(SANITY_DIR)'
	@# Own (empty) git repo: ansible-test lists content with git from the nearest .git upwards,
	@# and this repository's .gitignore hides build/ -- it would find no targets at all.
	git -C '$(SANITY_DIR)' init -q
	'$(BIN)/python' scripts/install_get_pip_standin.py '$(SANITY_PYTHON)'
	cd '$(SANITY_DIR)' && $(VENV_PATH) ansible-test sanity --venv --python '$(SANITY_PYTHON)' $(SANITY_ARGS)

# All three linters run; the target fails if any of them failed.
lint: venv
	@rc=0; \
	echo '+ antsibull-changelog lint'; \
	'$(BIN)/antsibull-changelog' lint || rc=1; \
	echo '+ antsibull-docs lint-collection-docs --plugin-docs .'; \
	$(VENV_PATH) antsibull-docs lint-collection-docs --plugin-docs . || rc=1; \
	echo '+ ansible-lint (profile and excludes: .ansible-lint)'; \
	mkdir -p '$(LINT_COLLECTIONS)/ansible_collections/sailpoint_isc'; \
	ln -sfn '$(CURDIR)' '$(LINT_COLLECTIONS)/ansible_collections/sailpoint_isc/oauth'; \
	'$(BIN)/python' scripts/fetch_lint_collections.py '$(LINT_COLLECTIONS)/ansible_collections' '$(BUILD_DIR)/download' || rc=1; \
	$(VENV_PATH) ANSIBLE_COLLECTIONS_PATH='$(LINT_COLLECTIONS)' ansible-lint $(ANSIBLE_LINT_ARGS) || rc=1; \
	if [ $$rc -ne 0 ]; then echo 'lint: FAILED (see above)' >&2; fi; \
	exit $$rc

# ---------------------------------------------------------------------------
# Documentation site: plugins, roles and the user guide (docs/docsite), Sphinx warnings are errors.

$(DOCS_STAMP): $(DOCS_REQUIREMENTS) $(REQUIREMENTS)
	rm -rf '$(DOCS_VENV)'
	$(PYTHON) -m venv '$(DOCS_VENV)'
	'$(DOCS_VENV)/bin/python' -m pip install --quiet --upgrade pip
	'$(DOCS_VENV)/bin/python' -m pip install --quiet -r '$(DOCS_REQUIREMENTS)' -c '$(REQUIREMENTS)'
	@touch '$@'

docs: venv $(DOCS_STAMP) $(if $(SKIP_BUILD),,build)
	@test -f '$(INSTALLED_COLLECTION)/MANIFEST.json' || { echo "ERROR: no installed collection; run 'make build'" >&2; exit 1; }
	ANSIBLE_COLLECTIONS_PATH='$(COLLECTIONS_DIR)' PATH="$(abspath $(DOCS_VENV))/bin:$$PATH" \
		'$(DOCS_VENV)/bin/python' scripts/build_docs.py '$(DOCS_DIR)'
	@# The site as a reader sees it: headless Chromium loads every page (tests/docs).
	ISC_DOCS_HTML='$(abspath $(DOCS_DIR))/build/html' '$(BIN)/python' -m pytest tests/docs -p no:cacheprovider $(PYTEST_ARGS)

# ---------------------------------------------------------------------------
# Galaxy's importer on the built tarball, as Galaxy runs it on upload. Every WARNING or ERROR line it logs
# would show on the collection's Galaxy page, so any of them fails the target.

$(GALAXY_IMPORTER_STAMP):
	rm -rf '$(GALAXY_IMPORTER_VENV)'
	$(PYTHON) -m venv '$(GALAXY_IMPORTER_VENV)'
	'$(GALAXY_IMPORTER_VENV)/bin/python' -m pip install --quiet --upgrade pip
	'$(GALAXY_IMPORTER_VENV)/bin/python' -m pip install --quiet 'galaxy-importer==$(GALAXY_IMPORTER_VERSION)'
	@touch '$@'

galaxy-import: $(GALAXY_IMPORTER_STAMP) $(if $(SKIP_BUILD),,build)
	@tarballs=('$(BUILD_DIR)'/sailpoint_isc-oauth-*.tar.gz); test -f "$${tarballs[0]}" || { echo "ERROR: no tarball in $(BUILD_DIR); run 'make build'" >&2; exit 1; }
	@# It writes importer_result.json to its working directory: run it in $(BUILD_DIR).
	cd '$(BUILD_DIR)' && GALAXY_IMPORTER_CONFIG='$(GALAXY_IMPORTER_CONFIG)' PATH="$(abspath $(GALAXY_IMPORTER_VENV))/bin:$$PATH" \
		'$(abspath $(GALAXY_IMPORTER_VENV))/bin/python' -m galaxy_importer.main sailpoint_isc-oauth-*.tar.gz \
		> '$(abspath $(GALAXY_IMPORTER_LOG))' 2>&1 || { cat '$(abspath $(GALAXY_IMPORTER_LOG))'; exit 1; }
	@if grep -E '^(WARNING|ERROR)' '$(GALAXY_IMPORTER_LOG)'; then \
		echo "galaxy-import: FAILED: the importer warned (full log: $(GALAXY_IMPORTER_LOG))" >&2; exit 1; \
	fi
	@echo "galaxy-import: no warnings (log: $(GALAXY_IMPORTER_LOG))"

# ---------------------------------------------------------------------------
# Everything CI runs, fail-fast, cheap gates first, with timings.

test-environments: $(TEST_ENVIRONMENTS)

test: venv
	@'$(BIN)/python' scripts/run_gates.py --make '$(MAKE)' --build-dir '$(BUILD_DIR)' \
		--environments test-environments --wait-gates '$(WAIT_FOR_ENVIRONMENTS)' $(TEST_GATES)

# ---------------------------------------------------------------------------

demo-check:
	@test -f playbooks/demo/run_demo.py || { echo "ERROR: playbooks/demo/run_demo.py does not exist yet: nothing to demo." >&2; exit 1; }

demo: demo-check build
	ANSIBLE_COLLECTIONS_PATH='$(COLLECTIONS_DIR)' $(VENV_PATH) '$(BIN)/python' playbooks/demo/run_demo.py

# ---------------------------------------------------------------------------
# Second venv: same runtime/test pins, but ansible-core 2.16 and no lint/doc tools.

compat: build $(addprefix compat-,$(COMPAT_MATRIX))

venv-compat-%: venv
	'$(BIN)/python' scripts/compat_venv.py '.venv-compat-$*' '$(COMPAT_PYTHON_$*)' '$(COMPAT_CORE_$*)' '$(REQUIREMENTS)'

compat-%: venv-compat-%
	@test -f '$(INSTALLED_COLLECTION)/MANIFEST.json' || { echo "ERROR: no installed collection; run 'make build'" >&2; exit 1; }
	ANSIBLE_COLLECTIONS_PATH='$(COLLECTIONS_DIR)' PATH="$(abspath .venv-compat-$*)/bin:$$PATH" \
		'.venv-compat-$*/bin/python' -m pytest tests/integration -m compat $(INTEGRATION_ARGS) $(PYTEST_ARGS)
	'.venv-compat-$*/bin/python' -m pytest $(COMPAT_UNIT_TESTS) -q $(PYTEST_ARGS)

# Figures for the README; not part of `make test` (timed figures do not belong in tests).
# One of them with options: `make bench BENCHMARKS=reconcile_benchmark BENCH_ARGS='--clients 50'`.
BENCH_ARGS ?=
BENCHMARKS ?= token_benchmark reconcile_benchmark write_lock_benchmark module_call_profile many_tenants_benchmark
bench: build
	@for benchmark in $(BENCHMARKS); do \
		echo "=== benchmarks/$$benchmark.py"; \
		ANSIBLE_COLLECTIONS_PATH='$(COLLECTIONS_DIR)' $(VENV_PATH) '$(BIN)/python' "benchmarks/$$benchmark.py" $(BENCH_ARGS) || exit $$?; \
	done

# ---------------------------------------------------------------------------

clean:
	rm -rf '$(BUILD_DIR)' tests/output .pytest_cache .hypothesis .ansible
	find . -path ./.git -prune -o -path './$(VENV)' -prune -o -path './.venv-*' -prune \
		-o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf '$(VENV)' .venv-compat-* '$(DOCS_VENV)' '$(GALAXY_IMPORTER_VENV)'
