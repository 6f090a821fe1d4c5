"""Data flows down: the migration operation, and every package module it imports in turn, import nothing from reads/."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "toggles_migration"
FORBIDDEN = "toggles_migration.reads"


def module_path(name):
    """Return the source file of a module of the package, or None for a module outside it."""
    if name != "toggles_migration" and not name.startswith("toggles_migration."):
        return None
    base = PACKAGE.parent.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def static_imports(name, path):
    """Return the absolute names of the modules ``path`` (module ``name``) imports, wherever the statement stands."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            found.add(base)
            # `from . import x` and `from .state import capture` import the submodules x and capture too.
            found.update(f"{base}.{alias.name}" for alias in node.names if module_path(f"{base}.{alias.name}"))
    return found


def _with_parents(name):
    """Return ``name`` and the subpackages Python imports before it (``toggles_migration.state`` for ``.capture``).

    The package itself is left out: its ``__init__`` is the public API's facade, which re-exports the drop-in flags
    of reads/ by design; what must not depend on reads/ is the operation's own code.
    """
    parts = name.split(".")
    return [".".join(parts[:end]) for end in range(2, len(parts) + 1)]


def imported_in_turn(start):
    """Return {module: the module that first imported it} for every package module reachable from ``start``."""
    seen = {start: None}
    pending = [start]
    while pending:
        name = pending.pop()
        for imported in sorted(static_imports(name, module_path(name))):
            for module in _with_parents(imported):
                if module_path(module) is not None and module not in seen:
                    seen[module] = name
                    pending.append(module)
    return seen


def test_the_operation_reaches_no_module_of_reads():
    reached = imported_in_turn("toggles_migration.operations")
    offending = {
        name: importer for name, importer in reached.items() if name == FORBIDDEN or name.startswith(FORBIDDEN + ".")
    }
    assert not offending, f"imported from reads/ on the operation's path (module: by whom): {offending}"


def test_the_walk_sees_the_stored_state_the_operation_uses():
    reached = imported_in_turn("toggles_migration.operations")
    assert {"toggles_migration.state.capture", "toggles_migration.state.restore", "toggles_migration.plan"} <= set(
        reached
    )


@pytest.mark.parametrize(
    ("source", "module"),
    [
        ("from ..reads import counts\n", "toggles_migration.state.capture"),
        ("from ..reads.counts import ReadCounts\n", "toggles_migration.state.capture"),
        ("from toggles_migration import reads\n", "toggles_migration.state.capture"),
        ("def f():\n    from ..reads import install\n", "toggles_migration.state.capture"),
        ("from . import reads\n", "toggles_migration.plan"),
    ],
)
def test_the_walk_finds_an_import_of_reads_in_any_form(source, module, tmp_path):
    path = tmp_path / "module.py"
    path.write_text(source, encoding="utf-8")
    assert any(name.startswith(FORBIDDEN) for name in static_imports(module, path))
