"""Declarations of the retired toggles and rules, and of the backend options that replace them."""

from dataclasses import dataclass

# The backend names whose courses the legacy code special-cased. Verificient's newer package
# may register Proctortrack under another name, which is why operators can override this
# through TOGGLES_MIGRATION['LEGACY_BACKENDS'] (see conf.py).
DEFAULT_LEGACY_BACKENDS: tuple[str, ...] = ("proctortrack",)  # toggles-migration: ignore


@dataclass(frozen=True)
class ManagedOption:
    """A per-backend option inside ``PROCTORING_BACKENDS[<backend>]`` that this package manages."""

    name: str
    legacy_spelling: str
    upstream_default: bool
    legacy_value: bool
    description: str

    @property
    def spellings(self) -> tuple[str, str]:
        """Every key accepted for this option, canonical first."""
        return (self.name, self.legacy_spelling)


@dataclass(frozen=True)
class Retirement:
    """A retired course waffle flag and the backend option that replaced it."""

    name: str
    implementation: str
    option: ManagedOption
    module_name: str
    constant: str
    legacy_default: bool
    creation_date: str
    removal_ticket: str
    upstream_change: str


# .. toggle_name: PROCTORING_BACKENDS[<backend>]['show_review_rules']
# .. toggle_implementation: DjangoSetting
# .. toggle_default: True
# .. toggle_description: Whether Studio shows the "Review Rules" field of proctored exams for courses
#   whose proctoring provider is this backend (upstream reads the entry of the course's own provider).
#   Replaces the retired course waffle flag studio.show_review_rules, which applied to proctortrack
#   courses only. A provider with no PROCTORING_BACKENDS entry gets True. The toggles_migration
#   settings shim gives the legacy backends (TOGGLES_MIGRATION['LEGACY_BACKENDS']) the
#   legacy-preserving value False when unset, and turns every value into a real boolean.
# .. toggle_use_cases: open_edx
# .. toggle_creation_date: 2025-11-25
# .. toggle_warning: Only the lower-case key is read upstream: 'SHOW_REVIEW_RULES' (from the abandoned
#   openedx-platform PRs #37315/#37316) is ignored there, and a string such as "false" counts as true.
#   The shim rewrites the first and coerces the second, with checks W001 and W002.
# .. toggle_tickets: https://github.com/openedx/openedx-platform/pull/37576,
#   https://github.com/openedx/openedx-platform/issues/36329
SHOW_REVIEW_RULES = ManagedOption(
    name="show_review_rules",
    legacy_spelling="SHOW_REVIEW_RULES",
    upstream_default=True,
    legacy_value=False,
    description='Studio shows the "Review Rules" field of proctored exams',
)

# .. toggle_name: PROCTORING_BACKENDS[<backend>]['requires_escalation_email']
# .. toggle_implementation: DjangoSetting
# .. toggle_default: False
# .. toggle_description: Whether courses whose proctoring provider is this backend must name an exam
#   escalation contact (proctoring_escalation_email): Studio validation, the course-validation API and
#   the instructor dashboard follow it, and the Advanced Settings field is shown only when some backend
#   sets it. Replaces the hard-coded rule "required iff the provider is proctortrack". The
#   toggles_migration settings shim gives the legacy backends the legacy-preserving value True when unset.
# .. toggle_use_cases: open_edx
# .. toggle_creation_date: 2025-11-25
# .. toggle_warning: Upstream's get_requires_escalation_email_providers() always lists lti_external,
#   while the Python helper gives False for it. Courses on a backend that newly requires the email and have
#   none must name one on their next save: "retire_toggle plan" lists them.
# .. toggle_tickets: https://github.com/openedx/openedx-platform/pull/37576,
#   https://github.com/openedx/openedx-platform/issues/36329
REQUIRES_ESCALATION_EMAIL = ManagedOption(
    name="requires_escalation_email",
    legacy_spelling="REQUIRES_ESCALATION_EMAIL",
    upstream_default=False,
    legacy_value=True,
    description="courses must name an exam escalation contact",
)

MANAGED_OPTIONS: tuple[ManagedOption, ...] = (REQUIRES_ESCALATION_EMAIL, SHOW_REVIEW_RULES)

# .. toggle_name: studio.show_review_rules
# .. toggle_implementation: CourseWaffleFlag
# .. toggle_default: False
# .. toggle_description: (Retired) Showed the "Review Rules" field of proctored exams in Studio for courses
#   whose proctoring provider was proctortrack; every other provider always showed it. Evaluated as the
#   course override, then the org override, then the global django-waffle flag (no Flag row: False). It was
#   SHOW_REVIEW_RULES_FLAG in cms.djangoapps.contentstore.config.waffle, added by openedx/edx-platform
#   PR #20703 (opened 2019-05-28) and limited to proctortrack by PR #20787, never annotated upstream
#   (lint amnesty). Code that still reads it can import toggles_migration.SHOW_REVIEW_RULES_FLAG, which
#   keeps these semantics and reports every read (TOGGLES_MIGRATION['READS']).
# .. toggle_use_cases: temporary
# .. toggle_creation_date: 2019-05-28
# .. toggle_target_removal_date: 2025-11-25
# .. toggle_removal_ticket: https://github.com/openedx/openedx-platform/issues/36329
# .. toggle_warning: Retired: openedx-platform PR #37576 (merged 2025-11-25, first released in Verawood)
#   removed the flag; nothing upstream reads it and its stored rows become dead data. It is replaced by
#   PROCTORING_BACKENDS[<backend>]['show_review_rules'], one value per backend, so per-course and per-org
#   control is lost. To keep each course's behaviour as far as one value can: run migrations (migration
#   0002 captures the rows and computes the value), read "retire_toggle plan" for the decision and the
#   courses that change, put the printed snippet in PROCTORING_BACKENDS and check with
#   "retire_toggle verify". Code you maintain that needs per-course answers can read the drop-in
#   toggles_migration.SHOW_REVIEW_RULES_FLAG until you prune the rows. Deprecation ticket:
#   https://github.com/openedx/openedx-platform/issues/36329
# .. toggle_tickets: https://github.com/openedx/openedx-platform/pull/20703,
#   https://github.com/openedx/openedx-platform/pull/20787, https://github.com/openedx/openedx-platform/pull/37576
SHOW_REVIEW_RULES_RETIREMENT = Retirement(
    name="studio.show_review_rules",  # toggles-migration: ignore
    implementation="CourseWaffleFlag",
    option=SHOW_REVIEW_RULES,
    module_name="cms.djangoapps.contentstore.config.waffle",
    constant="SHOW_REVIEW_RULES_FLAG",  # toggles-migration: ignore
    legacy_default=False,
    creation_date="2019-05-28",
    removal_ticket="https://github.com/openedx/openedx-platform/issues/36329",
    upstream_change="https://github.com/openedx/openedx-platform/pull/37576",
)

RETIREMENTS: tuple[Retirement, ...] = (SHOW_REVIEW_RULES_RETIREMENT,)


def retirement_of_option(option_name: str) -> Retirement | None:
    """Return the retirement whose toggle the backend option ``option_name`` replaced, or None."""
    for retirement in RETIREMENTS:
        if retirement.option.name == option_name:
            return retirement
    return None


def get_retirement(name: str) -> Retirement:
    """Return the declared retirement called ``name``, or raise ``LookupError`` listing the known ones."""
    for retirement in RETIREMENTS:
        if retirement.name == name:
            return retirement
    known = ", ".join(r.name for r in RETIREMENTS)
    raise LookupError(f"{name!r} is not a declared retirement; known: {known}")
