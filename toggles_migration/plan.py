"""Pure functions: a retired flag's stored state and the effective settings in, the Plan out."""

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, is_dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from .retirements import CompanionRule, Retirement
from .settings.shim import EffectiveOptions, EffectiveValue, ShimResult
from .state.legacy_state import Ambiguous, InvalidRow, KnownCourse, LegacyState, Tie, possible_values

CONDITIONAL = "conditional"
UNIFORM, LOSSY, ABSENT = "uniform", "lossy", "absent"
EXPLICIT_SOURCES = frozenset({"explicit", "coerced", "legacy-spelling"})
NOT_CONFIGURED = "not-configured"
_COURSE_OVERVIEWS = "course_overviews_courseoverview"

# {backend: {option: value}}: the lines to merge into PROCTORING_BACKENDS.
Snippet = dict[str, dict[str, bool]]


# {backend: {option: EffectiveValue}}: what compare_settings found for each legacy backend.
EffectiveSetting = EffectiveOptions


@dataclass(frozen=True)
class Deviation:
    """A course or org whose legacy value differs from the decision."""

    scope: str
    key: str
    legacy_value: bool


@dataclass(frozen=True)
class Decision:
    """The value the backend option should take, and why."""

    value: bool
    status: str
    reason: str
    source: str


@dataclass(frozen=True)
class CompanionCheck:
    """What a companion rule of the retirement asks: its option's value, and the known courses it newly concerns."""

    plan_key: str
    decision: bool
    # None when the courses are unknown (course_overviews not installed).
    missing: list[str] | None


@dataclass(frozen=True)
class CurrentSettings:
    """What the known courses do with the running settings, if the operator does nothing."""

    # {provider: the option's running value} for each provider of a known course.
    values: dict[str, bool]
    # None when the courses are unknown (course_overviews not installed).
    changed: int | None
    courses: tuple[str, ...] | None


@dataclass(frozen=True)
class DecidedChange:
    """What the known courses do with the decided value: the course exceptions change."""

    value: bool
    # None when the courses are unknown (course_overviews not installed).
    changed: int | None
    courses: tuple[str, ...] | None


@dataclass(frozen=True)
class Consequences:
    """Which known courses change behaviour, with the running settings and with the decision."""

    current_settings: CurrentSettings
    decision: DecidedChange
    # The known courses whose legacy value was ambiguous (tied newest overrides that disagree): they take the
    # running value, or the decided one. None when the courses are unknown (course_overviews not installed).
    ambiguous: tuple[str, ...] | None = ()


@dataclass(frozen=True)
class Plan:
    """
    Everything the operator needs to carry a retired flag's behaviour over to the backend option: ``plan``'s report.

    ``json_data`` gives its JSON form (the JSON a capture stores, and ``plan --format json``).
    """

    toggle: str
    option: str
    backends: tuple[str, ...]
    # True, False, or CONDITIONAL when the global flag was on only for some authors
    global_value: bool | str
    global_conditions: tuple[str, ...]
    known_courses: int | None
    legacy_values: dict[str, int]
    decision: Decision
    exceptions: tuple[Deviation, ...]
    invalid_rows: tuple[InvalidRow, ...]
    ties: tuple[Tie, ...]
    # The ties whose rows disagree: upstream answered either value; they never decide the majority.
    ambiguous: tuple[Tie, ...]
    effective_setting: EffectiveSetting
    agrees: bool
    snippet: Snippet
    # One per companion rule of the retirement; its JSON is under its own plan key (json_data).
    companions: tuple[CompanionCheck, ...]
    consequences: Consequences


def global_value(
    flag_row: Mapping[str, Any] | None, user_count: int, group_count: int, flag_default: bool
) -> tuple[bool | str, tuple[str, ...]]:
    """
    Evaluate the global django-waffle flag as Studio's signed-in course authors saw it.

    Returns (True, False or CONDITIONAL, conditions that could make it true for some author).
    """
    if flag_row is None:
        return bool(flag_default), ()
    if flag_row["everyone"] is not None:
        return bool(flag_row["everyone"]), ()
    if flag_row["authenticated"]:
        return True, ()
    conditions: list[str] = []
    if _percent(flag_row["percent"]) > 0:
        conditions.append("percent")
    for name in ("testing", "superusers", "staff"):
        if flag_row[name]:
            conditions.append(name)
    if (flag_row["languages"] or "").strip():
        conditions.append("languages")
    if user_count:
        conditions.append("users")
    if group_count:
        conditions.append("groups")
    return (CONDITIONAL, tuple(conditions)) if conditions else (False, ())


def _percent(value: object) -> Decimal:
    try:
        return Decimal(value) if isinstance(value, (Decimal, float, int, str)) else Decimal(0)
    except InvalidOperation:
        return Decimal(0)


def build_plan(
    state: LegacyState,
    retirement: Retirement,
    legacy_backends: Sequence[str],
    *,
    flag_default: bool = False,
    shim_result: ShimResult | None = None,
    decision_override: bool | None = None,
    captured: bool | None = None,
) -> Plan:
    """
    Compute the Plan for a retirement from the legacy state read from the database (``legacy_state.LegacyState``).

    ``state.courses`` are the known proctored courses on the legacy backends, or None when unknown.
    ``shim_result`` is the effective PROCTORING_BACKENDS (``settings_shim.ShimResult``) or None when unset.
    ``decision_override`` is the operator's decision; ``captured`` the decision captured earlier, used when the
    operator set none, so that every hint proposes the one captured value.
    """
    global_raw, conditions = global_value(state.flag_row, state.user_count, state.group_count, flag_default)
    fallback = False if global_raw == CONDITIONAL else bool(global_raw)
    courses = state.courses
    invalid: list[InvalidRow] = list(state.invalid_rows)
    legacy: dict[str, bool] = {}
    ambiguous: list[str] = []
    for course in courses or ():
        if course.problem:
            invalid.append(InvalidRow(_COURSE_OVERVIEWS, course.course_id, course.problem))
            continue
        values = legacy_values(course, fallback)
        if len(values) == 1:
            legacy[course.course_id] = values[0]
        else:
            ambiguous.append(course.course_id)

    decision_value, source = _decide(legacy, courses is not None, fallback, decision_override, captured)
    exceptions = _exceptions(legacy, courses is not None, state, decision_value)
    overrides = (*state.course_overrides, *state.org_overrides)
    has_override = any(item.value is not None for item in overrides)
    if courses is None:
        ambiguous_count = sum(1 for item in overrides if isinstance(item.value, Ambiguous))
    else:
        ambiguous_count = len(ambiguous)
    status = _status(global_raw, bool(exceptions or ambiguous_count), state.flag_row is None and not has_override)
    effective, agrees, snippet = compare_settings(retirement, legacy_backends, shim_result, decision_value)
    counts = Counter(legacy.values())
    return Plan(
        toggle=retirement.name,
        option=retirement.option.name,
        backends=tuple(legacy_backends),
        global_value=global_raw,
        global_conditions=conditions,
        known_courses=None if courses is None else len(legacy) + len(ambiguous),
        legacy_values={"true": counts[True], "false": counts[False], "ambiguous": len(ambiguous)},
        decision=Decision(
            value=decision_value,
            status=status,
            source=source,
            reason=_reason(
                status,
                source,
                global_raw,
                conditions=conditions,
                exception_count=len(exceptions),
                ambiguous_count=ambiguous_count,
                known=courses is not None,
            ),
        ),
        exceptions=tuple(sorted(exceptions, key=lambda item: (item.scope, item.key.lower(), item.key))),
        invalid_rows=tuple(sorted(invalid, key=lambda item: (item.table, item.id))),
        ties=tuple(state.ties),
        ambiguous=tuple(tie for tie in state.ties if tie.ambiguous),
        effective_setting=effective,
        agrees=agrees,
        snippet=snippet,
        companions=tuple(_companion_check(companion, courses) for companion in retirement.companions),
        consequences=consequences(
            retirement, legacy, courses, shim_result, decision=(decision_value, exceptions), ambiguous=ambiguous
        ),
    )


def legacy_values(course: KnownCourse, fallback: bool) -> tuple[bool, ...]:
    """
    Return every value the legacy CourseWaffleFlag could give ``course``, sorted: one, unless a tie is ambiguous.

    Course override, else org override, else the global flag (``fallback``): CourseWaffleFlag's order, for each
    value an ambiguous level may answer.
    """
    found: set[bool] = set()
    for course_level in possible_values(course.course_value):
        if course_level is not None:
            found.add(course_level)
            continue
        found.update(fallback if org_level is None else org_level for org_level in possible_values(course.org_value))
    return tuple(sorted(found))


def _companion_check(companion: CompanionRule, courses: Sequence[KnownCourse] | None) -> CompanionCheck:
    missing = None
    if courses is not None:
        missing = sorted(
            course.course_id for course in courses if not str(getattr(course, companion.course_field)).strip()
        )
    return CompanionCheck(companion.plan_key, companion.option.legacy_value, missing)


def consequences(
    retirement: Retirement,
    legacy: Mapping[str, bool],
    courses: Sequence[KnownCourse] | None,
    shim_result: ShimResult | None,
    *,
    decision: tuple[bool, Sequence[Deviation]],
    ambiguous: Sequence[str] = (),
) -> Consequences:
    """
    Say which known courses change behaviour, with the running settings and with the decision.

    With the running settings is what happens if the operator does nothing; with the decided value, the changed
    courses are the exceptions. ``decision`` is (value, exceptions); ``ambiguous`` the known courses whose legacy
    value was ambiguous, named apart. Upstream reads the option of each course's own provider; a provider without
    an entry gets the default.
    """
    decision_value, exceptions = decision
    option = retirement.option
    providers = {course.course_id: course.provider for course in courses or ()}

    def running(provider: str) -> bool:
        found = shim_result.option(provider, option.name) if shim_result is not None else None
        return option.upstream_default if found is None or found.value is None else found.value

    changed = None
    if courses is not None:
        changed = tuple(
            sorted(
                (course_id for course_id, value in legacy.items() if running(providers[course_id]) != value),
                key=lambda key: (key.lower(), key),
            )
        )
    decided = tuple(
        sorted((item.key for item in exceptions if item.scope == "course"), key=lambda key: (key.lower(), key))
    )
    return Consequences(
        ambiguous=None if courses is None else tuple(sorted(ambiguous, key=lambda key: (key.lower(), key))),
        current_settings=CurrentSettings(
            values={provider: running(provider) for provider in sorted(set(providers.values()))},
            changed=None if changed is None else len(changed),
            courses=changed,
        ),
        decision=DecidedChange(
            value=decision_value,
            changed=len(decided) if courses is not None else None,
            courses=decided if courses is not None else None,
        ),
    )


def _decide(
    legacy: Mapping[str, bool], known: bool, fallback: bool, decision_override: bool | None, captured: bool | None
) -> tuple[bool, str]:
    if decision_override is not None:
        return bool(decision_override), "operator"
    if captured is not None:
        return bool(captured), "captured"
    if not known or not legacy:
        return fallback, "global"
    counts = Counter(legacy.values())
    if counts[True] == counts[False]:
        return fallback, "global"
    return counts[True] > counts[False], "majority"


def _exceptions(legacy: Mapping[str, bool], known: bool, state: LegacyState, decision_value: bool) -> list[Deviation]:
    if known:
        return [Deviation("course", course_id, value) for course_id, value in legacy.items() if value != decision_value]
    # Courses unknown: every effective override that differs, its key as stored (an ambiguous one is listed apart).
    return [
        Deviation(scope, item.key, item.value)
        for scope, overrides in (("course", state.course_overrides), ("org", state.org_overrides))
        for item in overrides
        if isinstance(item.value, bool) and item.value != decision_value
    ]


def _status(global_raw: bool | str, lossy: bool, absent: bool) -> str:
    if global_raw == CONDITIONAL:
        return CONDITIONAL
    if lossy:
        return LOSSY
    return ABSENT if absent else UNIFORM


def compare_settings(
    retirement: Retirement, legacy_backends: Sequence[str], shim_result: ShimResult | None, decision_value: bool
) -> tuple[EffectiveSetting, bool, Snippet]:
    """
    Compare the effective options of the legacy backends with the decision; build the snippet to paste.

    The legacy backends want the decision for the retirement's option and each companion rule's legacy value.
    """
    wanted = {retirement.option.name: decision_value}
    wanted.update((companion.option.name, companion.option.legacy_value) for companion in retirement.companions)
    effective: EffectiveSetting = {}
    snippet: Snippet = {}
    agrees = True
    for backend in legacy_backends:
        options = {name: _effective_option(shim_result, backend, name) for name in sorted(wanted)}
        effective[backend] = options
        if options[retirement.option.name].source == NOT_CONFIGURED:
            continue
        for name, value in wanted.items():
            if options[name].value != value:
                agrees = False
            if options[name].value != value or options[name].source not in EXPLICIT_SOURCES:
                snippet.setdefault(backend, {})[name] = value
    return effective, agrees, {backend: dict(sorted(opts.items())) for backend, opts in sorted(snippet.items())}


def _effective_option(shim_result: ShimResult | None, backend: str, name: str) -> EffectiveValue:
    found = shim_result.option(backend, name) if shim_result is not None else None
    return EffectiveValue(None, NOT_CONFIGURED) if found is None else found


def _reason(  # pylint: disable=too-many-arguments
    status: str,
    source: str,
    global_raw: bool | str,
    *,
    conditions: Sequence[str],
    exception_count: int,
    ambiguous_count: int = 0,
    known: bool,
) -> str:
    basis = {
        "operator": "the value set by the operator",
        "captured": "the decision migration 0002 captured (`retire_toggle capture --refresh` decides again)",
        "majority": "the value most known courses had",
        "global": "the global flag's value" if known else "the global flag's value (courses unknown here)",
    }[source]
    ambiguity = ""
    if ambiguous_count:
        noun = "courses" if known else "overrides"
        ambiguity = (
            f" {ambiguous_count} {noun} had tied newest override rows that disagree (upstream answered either way): "
            "not counted, they take the decision."
        )
    if status == CONDITIONAL:
        return (
            f"The global flag was on only for some authors ({', '.join(conditions)}); the decision uses False, "
            f"what an ordinary course author saw, from {basis}.{ambiguity}"
        )
    if status == LOSSY:
        kind = "courses" if known else "overrides (possible exceptions)"
        if not exception_count:
            return f"Decision from {basis}.{ambiguity}"
        return f"Decision from {basis}; {exception_count} {kind} had a different value and cannot keep it.{ambiguity}"
    if status == ABSENT:
        return f"No stored state: the flag was never set, so every course saw {global_raw}."
    return f"Decision from {basis}; every course keeps its behaviour."


# How json_data treats a report's field, as the field's metadata: left out of the JSON, left out when None (a
# key that does not apply to that report), or left out when empty.
JSON = "json"
NOT_IN_JSON = {JSON: "omit"}
OMITTED_WHEN_NONE = {JSON: "omit-none"}
OMITTED_WHEN_EMPTY = {JSON: "omit-empty"}


def json_data(value: object) -> Any:
    """Return ``value`` (a Plan, a report, or what they hold) as JSON-ready data: a dataclass becomes a dict."""
    if isinstance(value, Plan):
        data = {item.name: json_data(getattr(value, item.name)) for item in fields(value) if item.name != "companions"}
        for check in value.companions:
            data[check.plan_key] = {"decision": check.decision, "missing": check.missing}
        return data
    if is_dataclass(value) and not isinstance(value, type):
        data = {}
        for item in fields(value):
            member = getattr(value, item.name)
            rule = item.metadata.get(JSON)
            if rule == "omit" or (rule == "omit-none" and member is None) or (rule == "omit-empty" and not member):
                continue
            data[item.name] = json_data(member)
        return data
    if isinstance(value, dict):
        return {key: json_data(member) for key, member in value.items()}
    if isinstance(value, list | tuple):
        return [json_data(member) for member in value]
    return value
