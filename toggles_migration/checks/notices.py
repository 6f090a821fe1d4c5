"""What the package can report about settings: notices, their stable check IDs, and setting errors."""

from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

from ..retirements import retirement_of_option

ERROR = "error"
WARNING = "warning"

# Stable system check IDs. Never renumber: operators silence them with SILENCED_SYSTEM_CHECKS.
INVALID_PROCTORING_BACKENDS = "toggles_migration.E001"
DEFAULT_MISSING = "toggles_migration.E002"
DEFAULT_NOT_A_STRING = "toggles_migration.E003"
DEFAULT_UNKNOWN_BACKEND = "toggles_migration.E004"
INVALID_TOGGLES_MIGRATION = "toggles_migration.E005"
WAFFLE_NOT_INSTALLED = "toggles_migration.E006"
SETTINGS_CHANGED_AFTER_READY = "toggles_migration.E007"
LEGACY_SPELLING = "toggles_migration.W001"
COERCED_VALUE = "toggles_migration.W002"
POSSIBLE_MISSPELLING = "toggles_migration.W003"
LEGACY_RULE_APPLIED = "toggles_migration.W004"
SETTINGS_DISAGREE_WITH_CAPTURE = "toggles_migration.W005"
# A Warning, so that migrate never stops on a proctoring plugin; an Error under TOGGLES_MIGRATION['STRICT'].
BACKEND_NOT_LOADED = "toggles_migration.W006"

CHECK_TITLES = {
    INVALID_PROCTORING_BACKENDS: "PROCTORING_BACKENDS or one of its backend entries has the wrong type",
    DEFAULT_MISSING: "PROCTORING_BACKENDS has no DEFAULT entry",
    DEFAULT_NOT_A_STRING: "PROCTORING_BACKENDS['DEFAULT'] is not a backend name",
    DEFAULT_UNKNOWN_BACKEND: "PROCTORING_BACKENDS['DEFAULT'] names no configured backend",
    INVALID_TOGGLES_MIGRATION: "TOGGLES_MIGRATION is invalid",
    WAFFLE_NOT_INSTALLED: "django-waffle is not in INSTALLED_APPS",
    SETTINGS_CHANGED_AFTER_READY: "what upstream reads of PROCTORING_BACKENDS changed after the shim normalised it",
    LEGACY_SPELLING: "an upper-case option spelling was rewritten to the lower-case name",
    COERCED_VALUE: "an option value was coerced to a boolean",
    POSSIBLE_MISSPELLING: "a backend key looks like a misspelt managed option",
    LEGACY_RULE_APPLIED: "a legacy backend option was derived by the legacy rule, not set explicitly",
    SETTINGS_DISAGREE_WITH_CAPTURE: "the effective settings disagree with a captured decision (database check)",
    BACKEND_NOT_LOADED: (
        "edx-proctoring has not loaded a backend that the courses or the settings name "
        "(an Error under TOGGLES_MIGRATION['STRICT'])"
    ),
}


@dataclass(frozen=True)
class Notice:
    """Something the settings shim noticed; becomes a system check message with the same ID."""

    check_id: str
    level: str
    message: str
    hint: str
    # The backend and option it is about, when it proposes a value for one (W004).
    backend: str = ""
    option: str = ""


def legacy_rule_hint(backend: str, option: str, value: bool, *, captured_for: str = "") -> str:
    """
    Return W004's fix: the line to add, with where its value comes from.

    ``captured_for`` names the retired toggle whose captured decision ``value`` is; without it, ``value`` is the
    legacy value, and for an option that replaced a retired toggle the hint says how to compute a better one.
    """
    line = f'add "{option}": {value} to PROCTORING_BACKENDS[{backend!r}] (YAML: {option}: {str(value).lower()})'
    if captured_for:
        return (
            f"make it explicit: {line}, the decision migration 0002 captured for {captured_for} "
            "(`manage.py retire_toggle plan` shows why)."
        )
    if retirement_of_option(option) is None:
        return f"make it explicit: {line}."
    return (
        f"make it explicit: {line}, the legacy value; `manage.py migrate`, then `manage.py retire_toggle plan`, "
        "computes the value that keeps the most courses as they were."
    )


class SettingError(ImproperlyConfigured):
    """An invalid setting: the message names the setting path and the type found, the hint the fix."""

    check_id: str = ""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(f"{message} Fix: {hint}")
        self.message = message
        self.hint = hint


class InvalidProctoringBackends(SettingError):
    """PROCTORING_BACKENDS cannot be normalised."""

    check_id = INVALID_PROCTORING_BACKENDS


class InvalidTogglesMigration(SettingError):
    """TOGGLES_MIGRATION cannot be read."""

    check_id = INVALID_TOGGLES_MIGRATION


def type_name(value: object) -> str:
    """Name a value's type for an error message; the value itself is never shown, it may be a secret."""
    return "None" if value is None else type(value).__name__


def fix(hint: str) -> str:
    """Return a notice's hint as the settings report and the system checks show it."""
    return f"Fix: {hint}"
