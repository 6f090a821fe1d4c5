"""What a retired flag's stored state holds, as upstream's lookups read it: plain immutable data."""

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


@dataclass(frozen=True, slots=True)
class Override:
    """The effective override of one stored key: what upstream's ``override_value`` query returns for it."""

    key: str
    # True ('on') or False ('off'); None when the newest row is disabled, which leaves the level unset.
    value: bool | None
    row_id: int


@dataclass(frozen=True, slots=True)
class Tie:
    """Newest rows of a key that share their change_date, and the one upstream's query returned on this database."""

    table: str
    key: str
    tied_ids: tuple[int, ...]
    effective_id: int


@dataclass(frozen=True, slots=True)
class KnownCourse:
    """A proctored course on a legacy backend, with what upstream's course and org lookups found for it."""

    course_id: str
    provider: str
    escalation_email: str
    # True/False from the effective course override; None when it does not answer.
    course_value: bool | None = None
    # True/False from the effective override of the course's org, asked only when the course level does not answer.
    org_value: bool | None = None
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
