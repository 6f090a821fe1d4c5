"""What a retired flag's stored state holds, as upstream's lookups read it: plain immutable data."""

from collections.abc import Iterable
from dataclasses import dataclass

from opaque_keys import InvalidKeyError
from opaque_keys.edx.keys import CourseKey

from .tables import Row


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
    """What the legacy CourseWaffleFlag read: the global flag, one effective override per key, the known courses."""

    toggle: str
    # The stored django-waffle Flag row, or None when there is none.
    flag_row: Row | None
    user_count: int
    group_count: int
    course_overrides: tuple[Override, ...]
    org_overrides: tuple[Override, ...]
    invalid_rows: tuple[InvalidRow, ...]
    ties: tuple[Tie, ...]
    # None: edx-platform's course_overviews app is not installed here, so the courses are unknown.
    courses: tuple[KnownCourse, ...] | None


def parse_course_key(raw: object) -> tuple[CourseKey | None, str]:
    """Return (CourseKey, '') for a stored course id, or (None, why it does not parse)."""
    if not isinstance(raw, str):
        return None, f"course id of type {type(raw).__name__}"
    try:
        return CourseKey.from_string(raw), ""
    except InvalidKeyError:
        return None, f"course id {raw!r} does not parse as a course key"
