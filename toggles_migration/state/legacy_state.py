"""What a retired flag's stored state holds, as upstream's lookups read it, and what the legacy flag gave from it."""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from opaque_keys import InvalidKeyError
from opaque_keys.edx.keys import CourseKey

from .tables import Row

# The global flag's value when it was on only for some authors.
CONDITIONAL = "conditional"


@dataclass(frozen=True, slots=True)
class InvalidRow:
    """A stored row that cannot be evaluated: it is reported, never a crash."""

    table: str
    id: str
    reason: str


# What one row says at its level: True ('on'), False ('off'), or None when it is disabled (the level is unset).
RowValue = bool | None


def row_value(enabled: object, choice: object) -> RowValue:
    """Return what an override row answers: its choice when enabled, else None (unset)."""
    return choice == "on" if enabled else None


@dataclass(frozen=True, slots=True)
class Ambiguous:
    """
    The answer of a key whose newest rows share their change_date and disagree.

    Upstream's query (``order_by('-change_date').first()``) returns any of the tied rows, from one run (or query
    plan, or physical order) to the next: every one of these values was a possible answer.
    """

    # Distinct, False then True then None (unset).
    values: tuple[RowValue, ...]

    @classmethod
    def of(cls, values: Iterable[RowValue]) -> "Ambiguous":
        """Return the Ambiguous answer of ``values`` (distinct, in the canonical order)."""
        return cls(tuple(sorted(set(values), key=lambda value: (value is None, bool(value)))))


# What a level (course or org) answers for a key: one value, or Ambiguous when its tied newest rows disagree.
LevelValue = bool | None | Ambiguous


def possible_values(value: LevelValue) -> tuple[RowValue, ...]:
    """Return every value a level may answer: one, or each value of an Ambiguous answer."""
    return value.values if isinstance(value, Ambiguous) else (value,)


@dataclass(frozen=True, slots=True)
class Override:
    """The effective override of one stored key: what upstream's ``override_value`` query returns for it."""

    key: str
    # True ('on') or False ('off'); None when the newest row is disabled, which leaves the level unset; Ambiguous
    # when the newest rows tie and disagree.
    value: LevelValue
    # The effective row; the lowest id of the tied newest rows when they tie.
    row_id: int


@dataclass(frozen=True, slots=True)
class Tie:
    """
    Newest rows of a key that share their change_date: the database may return any of them to upstream's query.

    When they agree (the same value), the key keeps it and ``effective_id`` is the lowest tied id; when they
    disagree, the key is ambiguous and ``effective_id`` is None.
    """

    table: str
    key: str
    tied_ids: tuple[int, ...]
    effective_id: int | None
    # What each tied row says, in the order of ``tied_ids``.
    values: tuple[RowValue, ...] = ()

    @property
    def ambiguous(self) -> bool:
        """Whether the tied rows disagree."""
        return self.effective_id is None


@dataclass(frozen=True, slots=True)
class KnownCourse:
    """A proctored course on a legacy backend, with what upstream's course and org lookups found for it."""

    course_id: str
    provider: str
    escalation_email: str
    # True/False from the effective course override; None when it does not answer; Ambiguous when its ties disagree.
    course_value: LevelValue = None
    # The same from the effective override of the course's org, asked only when the course level may not answer.
    org_value: LevelValue = None
    # Why the course id does not parse ('' when it does, or when the course level answered without parsing it).
    problem: str = ""


@dataclass(frozen=True)
class LegacyState:
    """
    What the legacy CourseWaffleFlag read: the global flag, one effective override per key, the known courses.

    The overrides and the courses may be streams read again on each iteration (``upstream_lookups.Pages``): a
    reader of this state goes over them, never holds them.
    """

    toggle: str
    # The stored django-waffle Flag row, or None when there is none.
    flag_row: Row | None
    user_count: int
    group_count: int
    course_overrides: Iterable[Override]
    org_overrides: Iterable[Override]
    invalid_rows: tuple[InvalidRow, ...]
    ties: tuple[Tie, ...]
    # None: edx-platform's course_overviews app is not installed here, so the courses are unknown.
    courses: Iterable[KnownCourse] | None


# A plain course-v1 id (org, course and run of ASCII id characters): it parses, and its org is the first part.
_PLAIN_COURSE_ID = re.compile(r"course-v1:([A-Za-z0-9_.~-]+)\+[A-Za-z0-9_.~-]+\+[A-Za-z0-9_.~-]+")


def course_org(raw: object) -> tuple[str | None, str]:
    """Return (the org of a stored course id, '') or (None, why it does not parse); a plain id is not parsed."""
    plain = _PLAIN_COURSE_ID.fullmatch(raw) if isinstance(raw, str) else None
    if plain is not None:
        return plain.group(1), ""
    key, problem = parse_course_key(raw)
    return (None if key is None else key.org), problem


def parse_course_key(raw: object) -> tuple[CourseKey | None, str]:
    """Return (CourseKey, '') for a stored course id, or (None, why it does not parse)."""
    if not isinstance(raw, str):
        return None, f"course id of type {type(raw).__name__}"
    try:
        return CourseKey.from_string(raw), ""
    except InvalidKeyError:
        return None, f"course id {raw!r} does not parse as a course key"


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
