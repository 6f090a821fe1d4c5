"""The scanner's modules need nothing but the standard library."""

import ast
import sys
from pathlib import Path

import pytest

SCAN_PACKAGE = Path(__file__).resolve().parents[1] / "toggles_migration_scan"


def absolute_imports(module):
    """Return the absolute module names that a source file imports, at any depth."""
    tree = ast.parse(module.read_text(encoding="utf-8"))
    names = [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
    names += [node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and not node.level]
    return names


@pytest.mark.parametrize("module", sorted(SCAN_PACKAGE.glob("*.py")), ids=lambda path: path.name)
def test_scanner_modules_import_only_the_standard_library(module):
    assert [name for name in absolute_imports(module) if name.split(".")[0] not in sys.stdlib_module_names] == []


def test_the_check_sees_a_third_party_import(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("import os\nfrom waffle import flag_is_active\nfrom . import walk\n", encoding="utf-8")
    assert absolute_imports(module) == ["os", "waffle"]


def test_the_distribution_ships_the_repository_license():
    distribution = SCAN_PACKAGE.parent
    assert (distribution / "LICENSE").read_bytes() == (distribution.parent / "LICENSE").read_bytes()
