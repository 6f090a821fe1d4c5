"""Test-wide configuration: Hypothesis runs the same examples on every CI run; other databases run database tests."""

import os

import pytest
from django.test import TransactionTestCase
from hypothesis import settings

# Locally, new random examples keep finding new cases; in CI (CI=true), a fixed derivation keeps a
# submission's result reproducible, while still covering the examples the strategies generate.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

# pytest-django blocks the database for every test that does not ask for it, so such a test's result cannot depend
# on the database: SQLite runs it, MariaDB and PostgreSQL run only the tests that use the database.
DATABASE_FIXTURES = frozenset({"db", "transactional_db", "django_db_reset_sequences", "live_server"})


def uses_database(item: pytest.Item) -> bool:
    """Whether a test can reach the test database: a django_db marker, a database fixture or a Django TestCase."""
    if item.get_closest_marker("django_db") or DATABASE_FIXTURES.intersection(getattr(item, "fixturenames", ())):
        return True
    test_class = getattr(item, "cls", None)
    return test_class is not None and issubclass(test_class, TransactionTestCase)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On MariaDB and PostgreSQL, deselect the tests that never touch the database (SQLite runs them)."""
    if os.environ.get("TOGGLES_MIGRATION_TEST_DB", "sqlite") == "sqlite":
        return
    kept = [item for item in items if uses_database(item)]
    if len(kept) < len(items):
        config.hook.pytest_deselected(items=[item for item in items if not uses_database(item)])
        items[:] = kept


def pytest_report_header() -> str | None:
    """Say in the output that the tests which never touch the database ran on SQLite only."""
    database = os.environ.get("TOGGLES_MIGRATION_TEST_DB", "sqlite")
    if database == "sqlite":
        return None
    return f"{database}: only the tests that use the database run (the others never touch it: make test runs them)"
