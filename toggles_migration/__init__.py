"""Retire Open edX course waffle flags safely: the show_review_rules data migration, settings shim and helpers."""

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

__version__ = "0.2.0"

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
