"""Which files are scanned, with which syntax, and which count as tests."""

import pytest
from toggles_migration_scan.walk import FileKind, is_test_path, kind_of


@pytest.mark.parametrize(
    "relative, kind",
    [
        ("lms/djangoapps/exams/views.py", FileKind.PYTHON),
        ("setup.py", FileKind.SETUP_PY),
        ("src/index.jsx", FileKind.SCRIPT),
        ("src/index.tsx", FileKind.SCRIPT),
        ("templates/a.underscore", FileKind.TEMPLATE),
        ("templates/a.mako", FileKind.TEMPLATE),
        ("templates/a.html", FileKind.TEMPLATE),
        ("Makefile", FileKind.MAKEFILE),
        ("build/rules.mk", FileKind.MAKEFILE),
        ("requirements/edx/base.txt", FileKind.REQUIREMENTS),
        ("requirements/base.in", FileKind.REQUIREMENTS),
        ("requirements-dev.txt", FileKind.REQUIREMENTS),
        ("constraints.txt", FileKind.REQUIREMENTS),
        ("package.json", FileKind.PACKAGE_JSON),
        ("conf/lms.yml", FileKind.YAML),
        ("conf/backends.json", FileKind.JSON),
        ("setup.cfg", FileKind.INI),
        ("tox.ini", FileKind.INI),
        ("pyproject.toml", FileKind.TOML),
        ("docs/how-to.rst", FileKind.DOCS),
        ("README.md", FileKind.DOCS),
        ("conf/locale/fr/LC_MESSAGES/django.po", FileKind.GETTEXT),
        ("i18n/messages.pot", FileKind.GETTEXT),
        ("conf/locale/config.yaml", FileKind.GETTEXT),
        ("notes.txt", None),
        ("logo.png", None),
    ],
)
def test_file_kind_follows_the_file_name(relative, kind):
    assert kind_of(relative) == kind


@pytest.mark.parametrize(
    "relative, is_test",
    [
        ("tests/test_views.py", True),
        ("lms/djangoapps/exams/tests/factories.py", True),
        ("exams/test_api.py", True),
        ("exams/api_test.py", True),
        ("exams/conftest.py", True),
        ("src/exam.test.js", True),
        ("src/exam.spec.tsx", True),
        ("static/js/spec/exam_spec.js", True),
        ("src/__mocks__/backend.js", True),
        ("exams/api.py", False),
        ("exams/testimonials.py", False),
        ("src/contest.js", False),
    ],
)
def test_test_paths_are_recognised(relative, is_test):
    assert is_test_path(relative) is is_test
