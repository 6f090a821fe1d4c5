"""Pure functions: a retired flag's stored state and the effective settings in, the Plan out."""

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, is_dataclass
from itertools import chain
from typing import Any

from .retirements import Retirement
from .settings.shim import EffectiveOptions, EffectiveValue, ShimResult
from .state.legacy_state import (
    CONDITIONAL,
    Ambiguous,
    InvalidRow,
    KnownCourse,
    LegacyState,
    Tie,
    global_value,
    legacy_values,
)

UNIFORM, LOSSY, ABSENT = "uniform", "lossy", "absent"
EXPLICIT_SOURCES = frozenset({"explicit", "coerced", "legacy-spelling"})
NOT_CONFIGURED = "not-configured"
_COURSE_OVERVIEWS = "course_overviews_courseoverview"
# The courses of either legacy value one pass keeps, so that few exceptions need no second pass.
_KEPT = 20_000

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
    operator set none, so that every hint proposes the one captured value. The courses and the overrides are gone
    over, never held: one pass counts the legacy values (the majority) and keeps what the plan shows; a second
    finds the exceptions when they were too many to keep for either decision.
    """
    global_raw, conditions = global_value(state.flag_row, state.user_count, state.group_count, flag_default)
    fallback = False if global_raw == CONDITIONAL else bool(global_raw)
    known = state.courses is not None
    found = _Found(retirement, shim_result, fallback)
    if state.courses is not None:
        found.courses(state.courses)
    counts = found.counts
    decision_value, source = _decide(counts, known, fallback, decision_override, captured)
    found.decide(decision_value, state)
    has_override = found.has_override
    ambiguous_count = counts[None] if known else found.ambiguous_overrides
    status = _status(global_raw, bool(found.exceptions or ambiguous_count), state.flag_row is None and not has_override)
    effective, agrees, snippet = compare_settings(retirement, legacy_backends, shim_result, decision_value)
    counted = (len(found.exceptions), ambiguous_count)
    reason = _reason(status, source, global_raw, conditions, counts=counted, known=known)
    return Plan(
        toggle=retirement.name,
        option=retirement.option.name,
        backends=tuple(legacy_backends),
        global_value=global_raw,
        global_conditions=conditions,
        known_courses=sum(counts.values()) if known else None,
        legacy_values={"true": counts[True], "false": counts[False], "ambiguous": counts[None]},
        decision=Decision(value=decision_value, status=status, source=source, reason=reason),
        exceptions=tuple(sorted(found.exceptions, key=lambda item: (item.scope, item.key.lower(), item.key))),
        invalid_rows=tuple(sorted((*state.invalid_rows, *found.invalid), key=lambda item: (item.table, item.id))),
        ties=tuple(state.ties),
        ambiguous=tuple(tie for tie in state.ties if tie.ambiguous),
        effective_setting=effective,
        agrees=agrees,
        snippet=snippet,
        companions=tuple(
            CompanionCheck(
                item.plan_key, item.option.legacy_value, sorted(found.missing[item.plan_key]) if known else None
            )
            for item in retirement.companions
        ),
        consequences=found.consequences(known),
    )


def _by_name(keys: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(keys, key=lambda key: (key.lower(), key)))


class _Found:  # pylint: disable=too-many-instance-attributes
    """What the passes over the courses (or overrides) find: only what the plan shows (exceptions, names)."""

    def __init__(self, retirement: Retirement, shim_result: ShimResult | None, fallback: bool) -> None:
        self.retirement = retirement
        self.shim_result = shim_result
        self.fallback = fallback
        self.decision_value = fallback
        # {legacy value: its courses}, the exceptions of the other decision, while there are at most _KEPT.
        self.by_value: dict[bool, list[str] | None] = {True: [], False: []}
        # None counts the ambiguous courses: their legacy value was either.
        self.counts: Counter[bool | None] = Counter()
        self.exceptions: list[Deviation] = []
        self.invalid: list[InvalidRow] = []
        self.ambiguous: list[str] = []
        self.ambiguous_overrides = 0
        self.has_override = False
        # The known courses whose behaviour changes with the running settings.
        self.changed: list[str] = []
        # {provider: the option's running value}, for each provider of a known course.
        self.running: dict[str, bool] = {}
        # {companion's plan key: the known courses it newly concerns}.
        self.missing: dict[str, list[str]] = {companion.plan_key: [] for companion in retirement.companions}

    def courses(self, courses: Iterable[KnownCourse]) -> None:
        """Go over the known courses: the exceptions, the ambiguous ones and the consequences."""
        for course in courses:
            running = self._running(course.provider)
            for companion in self.retirement.companions:
                if not str(getattr(course, companion.course_field)).strip():
                    self.missing[companion.plan_key].append(course.course_id)
            if course.problem:
                self.invalid.append(InvalidRow(_COURSE_OVERVIEWS, course.course_id, course.problem))
                continue
            values = legacy_values(course, self.fallback)
            self.counts[values[0] if len(values) == 1 else None] += 1
            if len(values) > 1:
                self.ambiguous.append(course.course_id)
                continue
            kept = self.by_value[values[0]]
            if kept is not None:
                kept.append(course.course_id)
                self.by_value[values[0]] = kept if len(kept) <= _KEPT else None
            if running != values[0]:
                self.changed.append(course.course_id)

    def decide(self, decision_value: bool, state: LegacyState) -> None:
        """Find the exceptions of ``decision_value``: kept by the first pass, else from a second one."""
        self.decision_value = decision_value
        if state.courses is None:
            self.overrides(state)
            return
        self.has_override = any(item.value is not None for item in chain(state.course_overrides, state.org_overrides))
        kept = self.by_value[not decision_value]
        if kept is None:
            kept = [
                course.course_id
                for course in state.courses
                if not course.problem and legacy_values(course, self.fallback) == (not decision_value,)
            ]
        self.exceptions = [Deviation("course", course_id, not decision_value) for course_id in kept]

    def overrides(self, state: LegacyState) -> None:
        """Courses unknown: every effective override that differs, its key as stored; an ambiguous one apart."""
        for scope, overrides in (("course", state.course_overrides), ("org", state.org_overrides)):
            for item in overrides:
                self.has_override = self.has_override or item.value is not None
                if isinstance(item.value, Ambiguous):
                    self.ambiguous_overrides += 1
                elif item.value is not None and item.value != self.decision_value:
                    self.exceptions.append(Deviation(scope, item.key, item.value))

    def _running(self, provider: str) -> bool:
        """Return the option's running value for ``provider``, as upstream reads it (no entry: the default)."""
        if provider not in self.running:
            option = self.retirement.option
            found = self.shim_result.option(provider, option.name) if self.shim_result is not None else None
            self.running[provider] = option.upstream_default if found is None or found.value is None else found.value
        return self.running[provider]

    def consequences(self, known: bool) -> Consequences:
        """Say which known courses change behaviour if nothing is done, and with the decision (the exceptions)."""
        decided = _by_name(item.key for item in self.exceptions if item.scope == "course")
        return Consequences(
            ambiguous=_by_name(self.ambiguous) if known else None,
            current_settings=CurrentSettings(
                values=dict(sorted(self.running.items())),
                changed=len(self.changed) if known else None,
                courses=_by_name(self.changed) if known else None,
            ),
            decision=DecidedChange(self.decision_value, len(decided) if known else None, decided if known else None),
        )


def _decide(
    counts: Mapping[bool | None, int], known: bool, fallback: bool, override: bool | None, captured: bool | None
) -> tuple[bool, str]:
    if override is not None:
        return bool(override), "operator"
    if captured is not None:
        return bool(captured), "captured"
    if not known or counts[True] == counts[False]:
        return fallback, "global"
    return counts[True] > counts[False], "majority"


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


def _reason(
    status: str, source: str, global_raw: bool | str, conditions: Sequence[str], *, counts: tuple[int, int], known: bool
) -> str:
    """Say why the decision, in one sentence; ``counts`` is (exceptions, ambiguous courses or overrides)."""
    exception_count, ambiguous_count = counts
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
