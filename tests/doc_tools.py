"""Shared by the tests that need the docs-and-annotations toolchain (requirements/doc.txt)."""

import importlib.util
import os

import pytest


def require(module_name, target):
    """Skip when ``module_name`` is not installed, or fail where ``make annotations``/``make docs`` need it."""
    if importlib.util.find_spec(module_name) is None:
        reason = f"{module_name} is not installed; it comes with requirements/doc.txt ({target})"
        if os.environ.get("TOGGLES_MIGRATION_REQUIRE_DOC_TOOLS"):
            pytest.fail(reason)
        pytest.skip(reason)
