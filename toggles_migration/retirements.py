"""Declarations of the retired toggles and rules, and of the backend options that replace them."""

from dataclasses import dataclass

# The backend names whose courses the legacy code special-cased. Verificient's newer package
# may register Proctortrack under another name, which is why operators can override this
# through TOGGLES_MIGRATION['LEGACY_BACKENDS'] (see conf.py).
DEFAULT_LEGACY_BACKENDS = ("proctortrack",)


@dataclass(frozen=True)
class ManagedOption:
    """A per-backend option inside ``PROCTORING_BACKENDS[<backend>]`` that this package manages."""

    name: str
    legacy_spelling: str
    upstream_default: bool
    legacy_value: bool
    description: str

    @property
    def spellings(self):
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
#   whose proctoring provider is this backend. Replaces the retired course waffle flag
#   ``studio.show_review_rules``. The toggles_migration settings shim gives the legacy backends
#   (``TOGGLES_MIGRATION['LEGACY_BACKENDS']``) the legacy-preserving value False when unset.
# .. toggle_use_cases: open_edx
# .. toggle_creation_date: 2025-11-25
# .. toggle_tickets: https://github.com/openedx/openedx-platform/pull/37576
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
#   escalation contact (``proctoring_escalation_email``). Replaces the hard-coded rule "required iff the
#   provider is proctortrack". The toggles_migration settings shim gives the legacy backends the
#   legacy-preserving value True when unset.
# .. toggle_use_cases: open_edx
# .. toggle_creation_date: 2025-11-25
# .. toggle_tickets: https://github.com/openedx/openedx-platform/pull/37576
REQUIRES_ESCALATION_EMAIL = ManagedOption(
    name="requires_escalation_email",
    legacy_spelling="REQUIRES_ESCALATION_EMAIL",
    upstream_default=False,
    legacy_value=True,
    description="courses must name an exam escalation contact",
)

MANAGED_OPTIONS = (REQUIRES_ESCALATION_EMAIL, SHOW_REVIEW_RULES)

# .. toggle_name: studio.show_review_rules
# .. toggle_implementation: CourseWaffleFlag
# .. toggle_default: False
# .. toggle_description: (Retired) Showed the "Review Rules" field of proctored exams in Studio for courses
#   whose proctoring provider was proctortrack; every other provider always showed it. Evaluated as a
#   course override, then an org override, then the global django-waffle flag.
# .. toggle_use_cases: temporary
# .. toggle_creation_date: 2019-06-04
# .. toggle_target_removal_date: 2025-11-25
# .. toggle_warning: Retired by openedx-platform PR #37576 (Verawood): the flag is no longer read. Set
#   PROCTORING_BACKENDS[<backend>]['show_review_rules'] instead; per-course control is lost, so run
#   ``manage.py cms retire_toggle plan`` to see which courses change.
# .. toggle_tickets: https://github.com/openedx/openedx-platform/issues/36329
SHOW_REVIEW_RULES_RETIREMENT = Retirement(
    name="studio.show_review_rules",
    implementation="CourseWaffleFlag",
    option=SHOW_REVIEW_RULES,
    module_name="cms.djangoapps.contentstore.config.waffle",
    constant="SHOW_REVIEW_RULES_FLAG",
    legacy_default=False,
    creation_date="2019-06-04",
    removal_ticket="https://github.com/openedx/openedx-platform/issues/36329",
    upstream_change="https://github.com/openedx/openedx-platform/pull/37576",
)

RETIREMENTS = (SHOW_REVIEW_RULES_RETIREMENT,)


def get_retirement(name):
    """Return the declared retirement called ``name``, or raise ``LookupError`` listing the known ones."""
    for retirement in RETIREMENTS:
        if retirement.name == name:
            return retirement
    known = ", ".join(r.name for r in RETIREMENTS)
    raise LookupError(f"{name!r} is not a declared retirement; known: {known}")
