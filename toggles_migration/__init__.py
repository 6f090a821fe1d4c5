"""Retire Open edX course waffle flags safely: the show_review_rules data migration, settings shim and helpers."""

# The public names are imported on first use (PEP 562), so that `toggles-migration scan` and
# `python -m toggles_migration` load neither Django, django-waffle nor edx-toggles (ADR 0013).
from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.2.0"

# Public name -> the submodule that defines it.
_EXPORTS = {
    "MANAGED_OPTIONS": "retirements",
    "RETIREMENTS": "retirements",
    "SHOW_REVIEW_RULES_FLAG": "reads",  # toggles-migration: ignore
    "InvalidProctoringBackends": "notices",
    "InvalidTogglesMigration": "notices",
    "RetiredCourseWaffleFlag": "reads",
    "RetiredToggleRead": "reads",
    "RetiredToggleWarning": "reads",
    "apply_settings_shim": "settings_shim",
    "effective_backends": "settings_shim",
    "normalise_proctoring_backends": "settings_shim",
    "requires_escalation_email": "capabilities",
    "requires_escalation_email_providers": "capabilities",
    "show_review_rules": "capabilities",
}

__all__ = [
    "MANAGED_OPTIONS",
    "RETIREMENTS",
    "SHOW_REVIEW_RULES_FLAG",  # toggles-migration: ignore
    "InvalidProctoringBackends",
    "InvalidTogglesMigration",
    "RetiredCourseWaffleFlag",
    "RetiredToggleRead",
    "RetiredToggleWarning",
    "apply_settings_shim",
    "effective_backends",
    "normalise_proctoring_backends",
    "requires_escalation_email",
    "requires_escalation_email_providers",
    "show_review_rules",
]

if TYPE_CHECKING:  # pragma: no cover - what type checkers and IDEs see
    from .capabilities import requires_escalation_email, requires_escalation_email_providers, show_review_rules
    from .notices import InvalidProctoringBackends, InvalidTogglesMigration
    from .reads import (
        SHOW_REVIEW_RULES_FLAG,  # toggles-migration: ignore
        RetiredCourseWaffleFlag,
        RetiredToggleRead,
        RetiredToggleWarning,
    )
    from .retirements import MANAGED_OPTIONS, RETIREMENTS
    from .settings_shim import apply_settings_shim, effective_backends, normalise_proctoring_backends


# Read on every access, never kept: a retirement registered later (by a fork's or a test's app) changes it.
_LIVE = frozenset({"MANAGED_OPTIONS"})


def __getattr__(name: str) -> Any:
    """
    Import a public name from its submodule on first access, then keep it in the package namespace.

    Besides the names listed, each declared retirement's drop-in flag is public under its upstream constant's name.
    """
    module = _EXPORTS.get(name)
    if module is None:
        from .retirements import declared  # pylint: disable=import-outside-toplevel

        if name not in {retirement.constant for retirement in declared()}:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        module = "reads"
    value = getattr(import_module(f".{module}", __name__), name)
    if name not in _LIVE:
        globals()[name] = value
    return value


def __dir__() -> list[str]:
    """List the public names with the module's own attributes, as if they were imported eagerly."""
    return sorted(set(globals()) | set(__all__))
