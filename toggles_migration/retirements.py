"""Declarations of the retired toggles and rules, and of the backend options that replace them."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

# The backend names whose courses the legacy code special-cased. Verificient's newer package
# may register Proctortrack under another name, which is why operators can override this
# through TOGGLES_MIGRATION['LEGACY_BACKENDS'] (see settings/config.py).
DEFAULT_LEGACY_BACKENDS: tuple[str, ...] = ("proctortrack",)  # toggles-migration: ignore


@dataclass(frozen=True)
class ManagedOption:
    """A per-backend option inside ``PROCTORING_BACKENDS[<backend>]`` that this package manages."""

    name: str
    legacy_spelling: str
    upstream_default: bool
    # The value that keeps the legacy behaviour on the legacy backends, which the settings shim gives them when unset.
    legacy_value: bool
    # The public helper of ``toggles_migration`` that reads it, or "" when only the generic reader does.
    helper: str = ""

    @property
    def spellings(self) -> tuple[str, str]:
        """Every key accepted for this option, canonical first."""
        return (self.name, self.legacy_spelling)

    @property
    def reader(self) -> str:
        """The call that reads this option for a provider, as the hints and warnings name it."""
        if self.helper:
            return f"toggles_migration.{self.helper}(provider)"
        return f"toggles_migration.capabilities.option_value(provider, {self.name!r})"


@dataclass(frozen=True)
class CompanionRule:
    """
    A rule the legacy code applied to the legacy backends alongside a retired toggle, kept as an option's value.

    The legacy backends need ``option`` at its ``legacy_value`` whatever the toggle's decision: the plan's snippet
    and ``verify`` ask for it, and the plan lists under ``plan_key`` the known courses the rule concerns: those
    whose ``course_field`` (an attribute of ``legacy_state.KnownCourse``) is empty.
    """

    option: ManagedOption
    plan_key: str
    course_field: str
    # The plan's text line above those courses; ``{count}`` is their number.
    missing_heading: str


@dataclass(frozen=True)
class Retirement:
    """A retired course waffle flag, the backend option that replaced it, and the rules that travel with it."""

    name: str
    option: ManagedOption
    # What the flag answered with no stored row, under django-waffle's default WAFFLE_FLAG_DEFAULT.
    legacy_default: bool
    # Where upstream declared the flag, and the constant it was bound to: the drop-in flag's module and public name.
    module_name: str
    constant: str
    # The log prefix upstream gave the flag (WaffleFlag's third argument); the drop-in keeps it.
    log_prefix: str
    upstream_change: str
    companions: tuple[CompanionRule, ...] = ()

    @property
    def options(self) -> tuple[ManagedOption, ...]:
        """The option that replaced the toggle, then its companions' options."""
        return (self.option, *(companion.option for companion in self.companions))


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
    helper="show_review_rules",
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
    helper="requires_escalation_email",
)

# A companion of the show_review_rules retirement: the legacy code required an escalation email exactly on the
# legacy backend's courses. The option keeps that rule there; those courses without one must name one on next save.
ESCALATION_EMAIL_RULE = CompanionRule(
    option=REQUIRES_ESCALATION_EMAIL,
    plan_key="escalation_email",
    course_field="escalation_email",
    missing_heading="Escalation email: {count} courses have none; Studio will demand one on their next save:",
)

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
    option=SHOW_REVIEW_RULES,
    legacy_default=False,
    module_name="cms.djangoapps.contentstore.config.waffle",
    constant="SHOW_REVIEW_RULES_FLAG",  # toggles-migration: ignore
    log_prefix="Studio: ",
    upstream_change="https://github.com/openedx/openedx-platform/pull/37576",
    companions=(ESCALATION_EMAIL_RULE,),
)

# The package's own retirements. declared() adds the ones registered at run time (by a fork's or a test's app).
RETIREMENTS: tuple[Retirement, ...] = (SHOW_REVIEW_RULES_RETIREMENT,)


@dataclass
class _Registry:
    """The retirements registered at run time, and what is derived from all the declared ones, kept current."""

    registered: list[Retirement] = field(default_factory=list)
    # Read on every flag read (the tracer) and every settings read (the shim): derived once per registration.
    names: frozenset[str] = frozenset()
    options: tuple[ManagedOption, ...] = ()

    def derive(self) -> None:
        """Recompute the names and options of the declared retirements."""
        current = declared()
        self.names = frozenset(retirement.name for retirement in current)
        self.options = managed_options(current)


_registry = _Registry()


def register(retirement: Retirement) -> None:
    """
    Declare one more retirement, e.g. from an ``AppConfig.ready()``; every reader sees it from the next call on.

    Registering the same declaration twice is harmless; another declaration with a declared name is refused.
    """
    current = declared()
    if retirement in current:
        return
    if any(known.name == retirement.name for known in current):
        raise ValueError(f"{retirement.name!r} is already a declared retirement; declare each toggle once")
    _registry.registered.append(retirement)
    _registry.derive()


def unregister(retirement: Retirement) -> None:
    """Withdraw a retirement added by ``register`` (for tests)."""
    _registry.registered.remove(retirement)
    _registry.derive()


def declared() -> tuple[Retirement, ...]:
    """Return every declared retirement: the package's own, then the registered ones, in registration order."""
    return (*RETIREMENTS, *_registry.registered)


def declared_names() -> frozenset[str]:
    """Return the names of the declared retirements (cheap: read on every flag read by the tracer)."""
    return _registry.names


def managed_options(retirements: Iterable[Retirement] | None = None) -> tuple[ManagedOption, ...]:
    """Return the options of ``retirements`` (default: the declared ones) and of their companions, once, by name."""
    if retirements is None:
        return _registry.options
    found: dict[str, ManagedOption] = {}
    for retirement in retirements:
        for option in retirement.options:
            known = found.setdefault(option.name, option)
            if known != option:
                raise ValueError(f"the option {option.name!r} is declared twice, differently; declare it once")
    return tuple(found[name] for name in sorted(found))


class _ManagedOptions(Sequence[ManagedOption]):
    """
    ``MANAGED_OPTIONS``: the declared retirements' options, read on every use, never frozen at import.

    A retirement an app registers later (in its ``ready()``) adds its options here too.
    """

    def __getitem__(self, index: Any) -> Any:
        return managed_options()[index]

    def __len__(self) -> int:
        return len(managed_options())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and tuple(self) == tuple(other)

    __hash__ = None  # type: ignore[assignment]  # equal to a changing tuple: not hashable

    def __repr__(self) -> str:
        return repr(managed_options())


MANAGED_OPTIONS: Sequence[ManagedOption] = _ManagedOptions()


def retirement_of_option(option_name: str) -> Retirement | None:
    """Return the retirement whose toggle the backend option ``option_name`` replaced, or None."""
    for retirement in declared():
        if retirement.option.name == option_name:
            return retirement
    return None


def get_retirement(name: str) -> Retirement:
    """Return the declared retirement called ``name``, or raise ``LookupError`` listing the known ones."""
    for retirement in declared():
        if retirement.name == name:
            return retirement
    known = ", ".join(r.name for r in declared())
    raise LookupError(f"{name!r} is not a declared retirement; known: {known}")


_registry.derive()
