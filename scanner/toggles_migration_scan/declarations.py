"""The names the scanner looks for: a copy of the app's retirement declarations (toggles_migration.retirements)."""

# The scanner installs without the app, so it cannot import the declarations: tests/test_declarations.py checks
# this copy against them. A fork that declares another retirement passes its names with --name.

from dataclasses import dataclass

# toggles_migration.retirements.DEFAULT_LEGACY_BACKENDS
LEGACY_BACKENDS: tuple[str, ...] = ("proctortrack",)  # toggles-migration: ignore


@dataclass(frozen=True)
class Option:
    """A per-backend option of ``PROCTORING_BACKENDS`` that replaces a legacy rule, and the call that reads it."""

    name: str
    reader: str


@dataclass(frozen=True)
class RetiredToggle:
    """A retired toggle: its name, the Python constant upstream bound it to, and the option that replaced it."""

    name: str
    constant: str
    option: Option


SHOW_REVIEW_RULES = Option("show_review_rules", "toggles_migration.show_review_rules(provider)")
REQUIRES_ESCALATION_EMAIL = Option("requires_escalation_email", "toggles_migration.requires_escalation_email(provider)")

# toggles_migration.retirements.RETIREMENTS, in their order.
RETIRED_TOGGLES: tuple[RetiredToggle, ...] = (
    RetiredToggle(
        name="studio.show_review_rules",  # toggles-migration: ignore
        constant="SHOW_REVIEW_RULES_FLAG",  # toggles-migration: ignore
        option=SHOW_REVIEW_RULES,
    ),
)

# toggles_migration.retirements.managed_options(RETIREMENTS): the retirements' options and their companions', by name.
OPTIONS: tuple[Option, ...] = (REQUIRES_ESCALATION_EMAIL, SHOW_REVIEW_RULES)
