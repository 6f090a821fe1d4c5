"""Retire Open edX course waffle flags safely: the show_review_rules data migration, settings shim and helpers."""

from .capabilities import requires_escalation_email, requires_escalation_email_providers, show_review_rules
from .checks.notices import InvalidProctoringBackends, InvalidTogglesMigration
from .reads import RetiredCourseWaffleFlag, RetiredToggleRead, RetiredToggleWarning, drop_in_flag
from .retirements import MANAGED_OPTIONS, RETIREMENTS, SHOW_REVIEW_RULES_RETIREMENT
from .settings.authority import apply_settings_shim, effective_backends
from .settings.shim import normalise_proctoring_backends

__version__ = "0.2.0"
# The drop-in of edx-platform's constant, for `from toggles_migration import SHOW_REVIEW_RULES_FLAG`.
SHOW_REVIEW_RULES_FLAG = drop_in_flag(SHOW_REVIEW_RULES_RETIREMENT)  # toggles-migration: ignore

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
