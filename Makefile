.DEFAULT_GOAL := help
.PHONY: screenshots help demo test test-sqlite test-mysql test-postgresql test-all test-redis test-tutor test-scanner test-scanner-py311 scan-self bench quality \
	check-migrations smoke-install tox upgrade requirements clean typecheck test-suites test-deployments test-processes test-matrix \
	test-annotations test-docs

# Python 3.12 is the default: the first python3.12 on PATH that runs (a pyenv shim may not), else pyenv's install.
# Override with PYTHON=/path/to/python3.12 (the pins need 3.12; tox tests Python 3.11, see README's table).
PYTHON_VERSION ?= 3.12
comma := ,
PYTHON_FOUND := $(firstword $(foreach candidate,python$(PYTHON_VERSION) \
	$(sort $(wildcard $(HOME)/.pyenv/versions/$(PYTHON_VERSION).*/bin/python$(PYTHON_VERSION))),\
	$(shell $(candidate) -c "import sys; sys.exit(sys.version_info[:2] != ($(subst .,$(comma),$(PYTHON_VERSION))))" \
	>/dev/null 2>&1 && echo $(candidate))))
PYTHON ?= $(PYTHON_FOUND)
NO_PYTHON = echo "No working python$(PYTHON_VERSION) on PATH or in ~/.pyenv/versions/$(PYTHON_VERSION).*:" \
	"install Python $(PYTHON_VERSION) (e.g. pyenv install $(PYTHON_VERSION)) or run make PYTHON=/path/to/python$(PYTHON_VERSION)" >&2; exit 1
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DB ?= sqlite
# tox finds interpreters on PATH; pyenv keeps the other Python versions out of it unless selected.
TOX_DISCOVER ?= $(wildcard $(HOME)/.pyenv/versions/3.1[12].*/bin/python3.1[12])
export PIP_DISABLE_PIP_VERSION_CHECK := 1
# Install into .venv, or into another virtualenv with UV_INTO=path/to/python.
UV_INTO = $(BIN)/python
UV = $(BIN)/uv pip install -q --python $(UV_INTO)

help: ## show the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  %-18s %s\n", $$1, $$2}'

$(STAMP): setup.py scanner/pyproject.toml requirements/test.txt requirements/django.txt requirements/quality.txt
	@test -n "$(PYTHON)" || { $(NO_PYTHON); }
	@# A virtualenv of another Python (e.g. one made before 3.12 was the default) is rebuilt from scratch.
	@if [ -x $(BIN)/python ] && [ "$$($(BIN)/python -c 'import sys; print(sys.version_info[:2])')" != \
		"$$($(PYTHON) -c 'import sys; print(sys.version_info[:2])')" ]; then echo "rebuilding $(VENV) for $(PYTHON)"; rm -rf $(VENV); fi
	$(PYTHON) -m venv $(VENV)
	@# uv (pinned in requirements/ci.txt) installs the pins several times faster than pip; pip stays for the tests.
	$(BIN)/pip install -q -r requirements/pip.txt $$(grep '^uv==' requirements/ci.txt)
	$(UV) -r requirements/test.txt -r requirements/django.txt -r requirements/quality.txt
	@# The scanner (scanner/) is its own distribution; bench and its tests run it from .venv too.
	$(UV) --no-deps -e . -e scanner/
	touch $@

$(VENV)/.databases: $(STAMP) requirements/databases.txt
	$(UV) -r requirements/databases.txt -r requirements/django.txt
	touch $@

requirements: $(STAMP) ## create the virtualenv .venv with the pinned requirements

demo: $(STAMP) ## run the main job on the embedded SQLite demo instance
	$(BIN)/python -m demo

# The suites that start processes or check the repository have their own targets, by the pytest marker each test
# carries (declared in tox.ini's [pytest], --strict-markers): `make test` runs every test that has none of them, and
# `make test-suites` (in .ci/run) runs each of them, so every test runs in CI; a suite without its test-NAME target
# fails the build. The database suites run every test that uses the test database: all but the deployments and
# the repository checks (annotations, docs, matrix).
SUITES := deployments processes annotations docs matrix
empty :=
OR := $(empty) or $(empty)
FAST_TESTS := not ($(subst $(empty) $(empty),$(OR),$(SUITES)))
DATABASE_TESTS := not (deployments or annotations or docs or matrix)
# pytest-xdist: one worker per core, each with its own test database; a file's tests stay on one worker, so a
# module fixture (the demo run, a deployment) runs once. XDIST= runs in one process.
XDIST ?= -n auto --dist loadfile

test: ## run the checks and the fast tests on SQLite, in under a minute (DB=mysql or DB=postgresql for the others)
	$(MAKE) --no-print-directory test-$(DB)

test-sqlite: $(STAMP)
	TOGGLES_MIGRATION_TEST_DB=sqlite $(BIN)/python manage.py check --fail-level WARNING
	TOGGLES_MIGRATION_TEST_DB=sqlite $(BIN)/python manage.py makemigrations --check --dry-run
	TOGGLES_MIGRATION_TEST_DB=sqlite $(BIN)/pytest $(XDIST) -m "$(FAST_TESTS)" $(PYTEST_ARGS)

test-mysql test-postgresql: test-%: $(VENV)/.databases
	TOGGLES_MIGRATION_TEST_DB=$* $(BIN)/python manage.py check --fail-level WARNING
	TOGGLES_MIGRATION_TEST_DB=$* $(BIN)/pytest $(XDIST) -m "$(DATABASE_TESTS)" $(PYTEST_ARGS)

test-suites: $(addprefix test-,$(SUITES)) ## run the suites that make test leaves out (each alone: make test-NAME)

test-deployments: $(STAMP) ## run the package in processes of its own: real deployments, the demo, the bench smoke
	$(BIN)/pytest $(XDIST) -m deployments $(PYTEST_ARGS)

test-processes: $(STAMP) ## run the tests that race processes on the test database
	$(BIN)/pytest -m processes $(PYTEST_ARGS)

test-matrix: $(STAMP) ## check README's compatibility table against tox.ini and the requirements
	$(BIN)/pytest -m matrix $(PYTEST_ARGS)

test-annotations: annotations
test-docs: docs

test-all: test-sqlite test-mysql test-postgresql ## run the tests on SQLite, MariaDB and PostgreSQL

test-redis: $(STAMP) ## run the tests of remaining reads and of waffle's cache clearing with Redis as the shared cache
	TOGGLES_MIGRATION_TEST_CACHE=redis $(BIN)/pytest tests/test_reads.py tests/test_read_counts.py tests/test_waffle_cache.py $(PYTEST_ARGS)

# The Tutor plugin (tutor/) is tested in its own virtualenv: Tutor 22 from PyPI, the plugin, and the package with
# its pinned requirements, which run the rendered settings and retire_toggle. No Docker: tutor/tests fake it.
TUTOR_VENV ?= .venv-tutor
TUTOR_STAMP := $(TUTOR_VENV)/.installed

$(TUTOR_STAMP): UV_INTO = $(TUTOR_VENV)/bin/python
$(TUTOR_STAMP): $(STAMP) setup.py tutor/pyproject.toml tutor/requirements/test.txt requirements/base.txt requirements/django.txt
	$(PYTHON) -m venv $(TUTOR_VENV)
	$(UV) -r requirements/pip.txt -r tutor/requirements/test.txt -r requirements/base.txt -r requirements/django.txt
	$(UV) --no-deps -e . -e tutor/
	touch $@

test-tutor: $(TUTOR_STAMP) ## run the Tutor plugin's tests against Tutor 22 from PyPI (no Docker needed)
	cd tutor && ../$(TUTOR_VENV)/bin/pytest $(PYTEST_ARGS)

# The scanner (scanner/) is its own distribution with no dependency, installed into .venv beside the app: its
# tests compare its copy of the declared names with the app's.
test-scanner: $(STAMP) ## run the scanner's tests (scanner/tests)
	cd scanner && ../$(BIN)/pytest $(PYTEST_ARGS)

# The scanner declares Python 3.11 and later: its tests also run on 3.11, in a virtualenv of the scanner alone
# (its test needs from scanner/requirements/test.in, under the repository's constraints).
PYTHON311 ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.11.*/bin/python3.11) python3.11)
SCANNER311_VENV ?= .venv-scanner311

test-scanner-py311: UV_INTO = $(SCANNER311_VENV)/bin/python
test-scanner-py311: $(STAMP) ## run the scanner's tests on Python 3.11
	rm -rf $(SCANNER311_VENV) && $(PYTHON311) -m venv $(SCANNER311_VENV)
	$(UV) -c requirements/constraints.txt ./scanner -r scanner/requirements/test.in
	cd scanner && ../$(SCANNER311_VENV)/bin/python -c "import sys; assert sys.version_info[:2] == (3, 11), sys.version"
	cd scanner && ../$(SCANNER311_VENV)/bin/pytest -p no:cacheprovider $(PYTEST_ARGS)

scan-self: $(STAMP) ## run the scanner on the app's and its own source (must be clean)
	$(BIN)/toggles-migration-scan toggles_migration scanner/toggles_migration_scan --fail-on error

screenshots: $(STAMP) ## photograph the captures admin of the demo instance for the docs (needs Debian's chromium)
	$(BIN)/python -m demo.screenshot

bench: $(STAMP) $(VENV)/.databases ## every figure on SQLite, then both data shapes on MariaDB (BENCH_ARGS="--size tiny")
	$(BIN)/python -m bench $(BENCH_ARGS)
	$(BIN)/python -m bench $(BENCH_ARGS) --database mysql --figures plan_at_scale,distinct_keys

# pylint (make lint) needs the doc toolchain (edx-lint, pylint-django): quality installs it.
quality: $(VENV)/.docs ## lint (ruff, pylint with edx-lint) and type-check
	$(BIN)/ruff check toggles_migration scanner tests tutor demo test_utils bench test_settings.py manage.py setup.py
	$(BIN)/ruff format --check toggles_migration scanner tests tutor demo test_utils bench test_settings.py manage.py setup.py
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory typecheck

# The strictness, and the one exception (the migrations), are in mypy.ini only.
typecheck: $(STAMP) ## run mypy (strict, django-stubs) on the whole package, as mypy.ini configures it
	$(BIN)/mypy

smoke-install: ## build the sdist (it must ship LICENSE), pip install it into a fresh virtualenv, list the plugin apps; the scanner's too
	@test -n "$(PYTHON)" || { $(NO_PYTHON); }
	rm -rf build/smoke build/dist && $(PYTHON) -m venv build/smoke
	build/smoke/bin/pip install -q -r requirements/pip.txt
	build/smoke/bin/pip install -q -c requirements/pip-tools.txt build
	build/smoke/bin/python -m build -q --sdist --no-isolation --outdir build/dist .
	build/smoke/bin/python -c "import glob, tarfile; [sdist] = glob.glob('build/dist/*.tar.gz'); \
	names = {n.split('/', 1)[-1] for n in tarfile.open(sdist).getnames()}; \
	missing = {'LICENSE', 'README.rst', 'CHANGELOG.rst', 'requirements/base.in', 'requirements/constraints.txt'} - names; \
	assert not missing, f'{sdist} lacks {sorted(missing)}'; print(sdist, 'ships LICENSE')"
	build/smoke/bin/pip install -q -c requirements/constraints.txt build/dist/*.tar.gz
	cd build && smoke/bin/python -c "from importlib.metadata import distribution as d; \
	dist = d('openedx-toggles-migration'); \
	assert any(str(f).endswith('licenses/LICENSE') for f in dist.files), 'the installed distribution lacks LICENSE'; \
	from edx_django_utils.plugins import get_plugin_apps as g; \
	app = 'toggles_migration.apps.TogglesMigrationConfig'; \
	assert app in g('lms.djangoapp') and app in g('cms.djangoapp'), 'plugin app not registered'; print('plugin app registered:', app)"
	cd build && smoke/bin/python -c "import importlib.util as u, os; \
	path = os.path.join(u.find_spec('toggles_migration').submodule_search_locations[0], 'py.typed'); \
	assert os.path.isfile(path), 'py.typed not installed'; print('typed package:', path)"
	@# The scanner: its sdist and wheel, each installed with its dependencies into a fresh virtualenv: it has none.
	for artefact in sdist wheel; do \
		rm -rf build/smoke-scan && $(PYTHON) -m venv build/smoke-scan && \
		build/smoke/bin/python -m build -q --$$artefact --outdir build/dist-scan scanner/ && \
		build/smoke-scan/bin/pip install -q build/dist-scan/*$$([ $$artefact = wheel ] && echo .whl || echo .tar.gz) && \
		(cd build && smoke-scan/bin/python -c "from importlib.metadata import distribution as d, distributions; \
		dist = d('openedx-toggles-migration-scan'); assert not dist.requires, dist.requires; \
		others = sorted({x.metadata['Name'] for x in distributions()} - {'pip', dist.metadata['Name']}); \
		assert not others, others; assert any(str(f).endswith('LICENSE') for f in dist.files), 'no LICENSE'; \
		print(dist.metadata['Name'], dist.version, 'installs alone')") && \
		build/smoke-scan/bin/toggles-migration-scan --version && \
		build/smoke-scan/bin/toggles-migration-scan scanner/toggles_migration_scan || exit 1; \
		rm -rf build/dist-scan; done

# Each environment runs the fast suite (make test's) and checks that it installs the versions of its README row
# (the matrix suite); TOX_PARALLEL=0 runs them one after the other.
TOX_PARALLEL ?= 2
# tox-uv: uv creates the environments and installs into them, from its one cache; it takes the interpreters on PATH
# (TOX_DISCOVER's folders first) and never downloads one.
tox: $(STAMP) ## run the compatibility matrix with tox on SQLite (TOXENV=a,b to choose, TOX_ARGS=-r to recreate)
	$(UV) -r requirements/ci.txt
	PATH="$(subst $(empty) $(empty),,$(foreach d,$(dir $(TOX_DISCOVER)),$(d):))$$PATH" UV_PYTHON_DOWNLOADS=never $(BIN)/tox $(if $(TOX_DISCOVER),--discover $(TOX_DISCOVER)) $(if $(TOXENV),-e $(TOXENV)) \
		$(if $(filter-out 0,$(TOX_PARALLEL)),-p $(TOX_PARALLEL) -o) $(TOX_ARGS) -- -m "$(FAST_TESTS) or matrix" $(PYTEST_ARGS)

.PHONY: docs annotations pylint-annotations lint pylintrc

# The docs-and-annotations toolchain (Sphinx, edx-lint, pylint): only the targets below install it.
$(VENV)/.docs: $(STAMP) requirements/doc.txt
	$(UV) -r requirements/doc.txt
	touch $@

annotations: $(VENV)/.docs ## lint the toggle and setting annotations (code-annotations, edx-lint, token check)
	$(BIN)/python docs/lint_annotations.py
	TOGGLES_MIGRATION_REQUIRE_DOC_TOOLS=1 $(BIN)/pytest -m annotations $(PYTEST_ARGS)

pylint-annotations: $(VENV)/.docs ## run only edx-lint's pylint annotation checks
	$(BIN)/python docs/lint_annotations.py --only pylint

# The linted paths, the scanner's (scanner/) included; pylintrc's ignore-paths leaves out only
# scanner/tests/corpus, the sample code the scanner's tests scan (bad code on purpose).
LINT_PATHS := toggles_migration tests test_utils demo bench manage.py setup.py test_settings.py scanner/toggles_migration_scan scanner/tests

lint: $(VENV)/.docs ## pylint with edx-lint's pylintrc (pylintrc_tweaks); part of make quality
	$(BIN)/pylint $(LINT_PATHS)

pylintrc: $(VENV)/.docs ## regenerate pylintrc from edx-lint's and the local pylintrc_tweaks
	$(BIN)/edx_lint write pylintrc

docs: $(VENV)/.docs ## build the documentation into docs/_build/html (warnings are errors) and check its content
	rm -rf docs/_build
	$(BIN)/sphinx-build -W --keep-going -b html docs docs/_build/html
	TOGGLES_MIGRATION_REQUIRE_DOC_TOOLS=1 TOGGLES_MIGRATION_DOCS_HTML=docs/_build/html \
		$(BIN)/pytest -m docs $(PYTEST_ARGS)

upgrade: export CUSTOM_COMPILE_COMMAND=make upgrade
upgrade: ## update the requirements/*.txt files with the latest packages satisfying requirements/*.in
	$(BIN)/pip install -q -r requirements/pip-tools.txt
	for f in pip pip-tools base test doc databases quality ci dev proctoring-backends; do \
		$(BIN)/pip-compile -q --no-emit-index-url --no-emit-find-links --allow-unsafe --strip-extras \
			--upgrade -o requirements/$$f.txt requirements/$$f.in || exit 1; done
	# tox chooses Django: keep it out of the test pins, and pin the default for `make test` apart
	grep '^django==' requirements/quality.txt > requirements/django.txt
	sed -i '/^django==/d' requirements/test.txt requirements/databases.txt

clean: ## remove the virtualenv, build artefacts and test databases
	rm -rf $(VENV) $(TUTOR_VENV) $(SCANNER311_VENV) .tox build dist *.egg-info default.db demo/*.db .pytest_cache .hypothesis .mypy_cache
