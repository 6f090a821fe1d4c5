"""Read the stored state of a retired flag, and the courses it applied to, as upstream's lookups read it."""

import json
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Generic, TypeVar

from django.apps.registry import Apps
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.backends.utils import CursorWrapper
from django.db.models import Q
from opaque_keys.edx.keys import CourseKey

from . import tables
from .legacy_state import (
    Ambiguous,
    InvalidRow,
    KnownCourse,
    LegacyState,
    LevelValue,
    Override,
    Tie,
    parse_course_key,
    possible_values,
    row_value,
)
from .tables import DbValue, JsonValue, Row, TableSpec

_CHUNK = 2000


def read_legacy_state(
    apps: Apps, toggle: str, backends: tuple[str, ...], default_provider: str | None, using: str
) -> LegacyState:
    """
    Read the legacy state of ``toggle`` with a constant number of queries; Python holds one row per key.

    The database compares the keys with each column's own collation, as upstream's ``filter(course_id=...)`` and
    ``filter(org=...)`` did. When a key's newest rows share a change_date, upstream's own query
    (``filter(...).order_by('-change_date').first()``) may return any of them from one run to the next: the tie is
    recorded, and the key keeps the value its tied rows agree on, or is Ambiguous when they disagree.
    """
    reader = _Reader(apps, toggle, using)
    flag_row, user_count, group_count = reader.flag()
    course_overrides = reader.stored_key_overrides(tables.COURSE_OVERRIDES)
    org_overrides = reader.stored_key_overrides(tables.ORG_OVERRIDES)
    courses = reader.known_courses(backends, default_provider)
    return LegacyState(
        toggle=toggle,
        flag_row=flag_row,
        user_count=user_count,
        group_count=group_count,
        course_overrides=course_overrides,
        org_overrides=org_overrides,
        invalid_rows=tuple(sorted(reader.invalid.values(), key=lambda row: (row.table, int(row.id)))),
        ties=tuple(sorted(reader.ties, key=lambda tie: (tie.table, tie.key, tie.tied_ids))),
        courses=courses,
    )


# A row as the database driver returns it: its values' types follow the query's columns.
_SqlRow = tuple[Any, ...]
# One override row, folded: (id, enabled, override_choice, the key as stored).
_OverrideRow = tuple[int, bool, str, str]
# What a fold groups rows by: the database's rank of a stored key, or a course id or org.
_Key = TypeVar("_Key", int, str)


class _Newest:
    """The newest rows of one key, folded from rows the database ordered by change_date, newest first."""

    __slots__ = ("change_date", "rows")

    def __init__(self, change_date: object, row: _OverrideRow) -> None:
        # Text on SQLite (its stored spelling), a datetime elsewhere: only compared for equality.
        self.change_date = change_date
        self.rows = [row]

    def add(self, change_date: object, row: _OverrideRow) -> None:
        """Keep ``row`` when it ties with the newest; older rows do not count."""
        if change_date == self.change_date:
            self.rows.append(row)


class _Fold(Generic[_Key]):
    """Each key's newest rows, from rows (key, id, change_date, enabled, choice, stored key) newest first."""

    def __init__(self) -> None:
        self.newest: dict[_Key, _Newest | None] = {}

    def add(self, values: _SqlRow) -> None:
        """Fold one row; a NULL id (an outer join that found nothing) records the key with no rows."""
        key, row_id, change_date, enabled, choice, stored = values
        if row_id is None:
            self.newest.setdefault(key, None)
            return
        row: _OverrideRow = (row_id, bool(enabled), choice, stored)
        found = self.newest.get(key)
        if found is None:
            self.newest[key] = _Newest(change_date, row)
        else:
            found.add(change_date, row)


_KEY_COLUMNS = {tables.COURSE_OVERRIDES: "course_id", tables.ORG_OVERRIDES: "org"}
# The key a Tie names, from the key folded by and the tie's lowest-id row.
_Literal = Callable[[_Key, _OverrideRow], str]
# The effective row of a key (the lowest id of tied newest rows) and what the key answers.
_Answer = tuple[_OverrideRow, LevelValue]
_OVERVIEW_ID = ("course_overviews_courseoverview", "id")


def _the_key(key: str, _row: _OverrideRow) -> str:
    """Name a tie by the key asked for (a course id or org)."""
    return key


def _stored_key(_rank: int, row: _OverrideRow) -> str:
    """Name a tie of keys the database compares equal by the key as stored in its lowest-id row."""
    return row[3]


class _Reader:
    """The queries of read_legacy_state on one database, and the invalid rows and ties they met."""

    def __init__(self, apps: Apps, toggle: str, using: str) -> None:
        self.apps = apps
        self.toggle = toggle
        self.using = using
        self.connection = connections[using]
        self.quote = self.connection.ops.quote_name
        self.models = {spec: tables.get_model(apps, spec) for spec in _KEY_COLUMNS}
        # (table, row id) -> the row that cannot be evaluated.
        self.invalid: dict[tuple[str, int], InvalidRow] = {}
        self.ties: set[Tie] = set()
        # Stored course id -> why it does not parse ('' when it does).
        self._problems: dict[str, str] = {}
        # (table, column) -> its collation; read once, when first needed.
        self._collations: dict[tuple[str, str], tuple[str, str]] | None = None

    def flag(self) -> tuple[Row | None, int, int]:
        """Return (flag row or None, linked user count, linked group count)."""
        manager = tables.flag_model(self.apps)._base_manager.db_manager(self.using)
        found = list(tables.raw_values(manager.filter(name=self.toggle), tables.FLAG))
        if not found:
            return None, 0, 0
        flag_row = tables.encode_row(tables.FLAG, found[0])
        users, groups = (self._links(spec, flag_row["id"]) for spec in (tables.FLAG_USERS, tables.FLAG_GROUPS))
        return flag_row, users, groups

    def _links(self, spec: TableSpec, flag_id: JsonValue) -> int:
        """Count the flag's rows in a many-to-many table of django-waffle's Flag."""
        model = tables.get_model(self.apps, spec)
        return 0 if model is None else model._base_manager.db_manager(self.using).filter(flag_id=flag_id).count()

    def stored_key_overrides(self, spec: TableSpec) -> tuple[Override, ...]:
        """
        Return the effective Override of every stored key, keys grouped as the database compares them (one query).

        The database numbers the keys in its own sort order (``DENSE_RANK``), so spellings it compares equal share
        one number and one answer, reported with the key as stored in the effective row. Course ids that do not
        parse are recorded as invalid rows, and an effective row of that kind is no override.
        """
        if self.models[spec] is None:
            return ()
        key = f"o.{self.quote(_KEY_COLUMNS[spec])}"
        fold: _Fold[int] = self._fold(
            f"SELECT DENSE_RANK() OVER (ORDER BY {key}), o.id, {self._date('o.change_date')}, o.enabled, "
            f"o.override_choice, {key} FROM {self.quote(spec.table)} o WHERE o.waffle_flag = %s "
            "ORDER BY o.change_date DESC",
            [self.toggle],
            # Every row of the toggle passes here once: check each stored course id.
            check=lambda row: self._usable(spec, row[1], row[5]),
        )
        overrides: dict[int, Override] = {}
        for answer in self._effective(spec, fold, literal=_stored_key).values():
            if answer is not None and self._usable(spec, answer[0][0], answer[0][3]):
                (row_id, _, _, stored), value = answer
                overrides[row_id] = Override(key=stored, value=value, row_id=row_id)
        return tuple(sorted(overrides.values(), key=lambda item: (item.key, item.row_id)))

    def known_courses(self, backends: tuple[str, ...], default_provider: str | None) -> tuple[KnownCourse, ...] | None:
        """
        Return the proctored courses on ``backends`` (a NULL provider means ``default_provider``), or None.

        None means unknown: edx-platform's course_overviews app is not installed here. One query joins the courses
        with their course overrides; one more asks the org overrides for the orgs of the courses left unanswered.
        """
        try:
            overview = self.apps.get_model(tables.COURSE_OVERVIEWS_LABEL, "CourseOverview")
        except LookupError:
            return None
        on_backends = Q(proctoring_provider__in=list(backends))
        if default_provider in backends:
            on_backends |= Q(proctoring_provider__isnull=True)
        queryset = (
            overview._base_manager.db_manager(self.using)
            .filter(on_backends, enable_proctored_exams=True)
            .values_list("id", "proctoring_provider", "proctoring_escalation_email")
        )
        try:
            courses_sql, params = queryset.query.get_compiler(using=self.using).as_sql()
        except EmptyResultSet:
            return ()
        details, course_values = self._courses_with_course_overrides(courses_sql, params)
        orgs: dict[str, str] = {}
        for course_id in details:
            if None in possible_values(course_values.get(course_id)):
                key, _ = self._parse(course_id)
                if key is not None and key.org is not None:
                    orgs[course_id] = key.org
        org_values = self._org_values(set(orgs.values()))
        return tuple(
            KnownCourse(
                course_id,
                # A NULL provider is selected only when the default provider is one of ``backends``.
                details[course_id][0] or default_provider or "",
                details[course_id][1] or "",
                course_value=course_values.get(course_id),
                org_value=org_values.get(orgs[course_id]) if course_id in orgs else None,
                problem=self._problems.get(course_id, ""),
            )
            for course_id in sorted(details)
        )

    def _courses_with_course_overrides(
        self, courses_sql: str, params: Sequence[DbValue]
    ) -> tuple[dict[str, tuple[str | None, str | None]], dict[str, LevelValue]]:
        """
        Return ({course id: (provider, email)}, {course id: what its effective course override answers}).

        Two queries: the courses, then the toggle's course override rows joined with them (driven by the toggle's
        rows, so the cost follows the toggle's history, not every flag's).
        """
        details: dict[str, tuple[str | None, str | None]] = {}
        with self.connection.chunked_cursor() as cursor:
            cursor.execute(courses_sql, params)
            for course_id, provider, email in self._rows(cursor):
                details[course_id] = (provider, email)
        spec = tables.COURSE_OVERRIDES
        if self.models[spec] is None:
            return details, {}
        matches = self._equals(spec, "o", "c.id", _OVERVIEW_ID)
        fold: _Fold[str] = self._fold(
            f"SELECT c.id, o.id, {self._date('o.change_date')}, o.enabled, o.override_choice, o.course_id "
            f"FROM {self.quote(spec.table)} o JOIN ({courses_sql}) c ON {matches} "
            "WHERE o.waffle_flag = %s ORDER BY o.change_date DESC",
            [*params, self.toggle],
        )
        course_values: dict[str, LevelValue] = {}
        for course_id, answer in self._effective(spec, fold, literal=_the_key).items():
            if answer is not None and answer[1] is not None and self._usable(spec, answer[0][0], answer[0][3]):
                course_values[course_id] = answer[1]
        return details, course_values

    def _org_values(self, orgs: set[str]) -> dict[str, LevelValue]:
        """Return {org: its answer} for the orgs whose effective org override answers (one query, even for none)."""
        spec = tables.ORG_OVERRIDES
        if self.models[spec] is None:
            return {}
        fold: _Fold[str] = self._fold(
            f"SELECT w.k, o.id, {self._date('o.change_date')}, o.enabled, o.override_choice, o.org "
            f"FROM {self._json_strings()} JOIN {self.quote(spec.table)} o "
            f"ON o.waffle_flag = %s AND {self._equals(spec, 'o', 'w.k')} ORDER BY o.change_date DESC",
            [json.dumps(sorted(orgs)), self.toggle],
        )
        effective = self._effective(spec, fold, literal=_the_key)
        return {org: answer[1] for org, answer in effective.items() if answer is not None and answer[1] is not None}

    def _effective(self, spec: TableSpec, fold: _Fold[_Key], literal: _Literal[_Key]) -> dict[_Key, _Answer | None]:
        """
        Return {key: (effective row, what it answers)}, the same on every run; ties are recorded.

        Upstream's query may return any of a key's tied newest rows, so the database is not asked which: tied rows
        that agree give their value (the lowest id stands for them), tied rows that disagree give Ambiguous.
        ``literal`` names a tied key in its Tie.
        """
        effective: dict[_Key, _Answer | None] = {}
        for key, found in fold.newest.items():
            if found is None:
                effective[key] = None
                continue
            rows = sorted(found.rows)
            values = tuple(row_value(row[1], row[2]) for row in rows)
            if len(rows) == 1:
                effective[key] = (rows[0], values[0])
                continue
            agree = len(set(values)) == 1
            tied_ids = tuple(row[0] for row in rows)
            self.ties.add(Tie(spec.table, literal(key, rows[0]), tied_ids, tied_ids[0] if agree else None, values))
            effective[key] = (rows[0], values[0] if agree else Ambiguous.of(values))
        return effective

    def _fold(
        self, sql: str, params: Sequence[DbValue], check: Callable[[_SqlRow], object] | None = None
    ) -> _Fold[_Key]:
        fold: _Fold[_Key] = _Fold()
        with self.connection.chunked_cursor() as cursor:
            cursor.execute(sql, params)
            for row in self._rows(cursor):
                if check is not None:
                    check(row)
                fold.add(row)
        return fold

    @staticmethod
    def _rows(cursor: CursorWrapper) -> Iterator[_SqlRow]:
        while rows := cursor.fetchmany(_CHUNK):
            yield from rows

    def _date(self, expression: str) -> str:
        # SQLite keeps change_date as text and orders it as text: compare that text, not a parsed datetime.
        return f"CAST({expression} AS TEXT)" if self.connection.vendor == "sqlite" else expression

    def _json_strings(self) -> str:
        """Return a table ``w(k)`` of the strings in a JSON array parameter: one parameter, whatever the count."""
        vendor = self.connection.vendor
        if vendor == "mysql":
            return "JSON_TABLE(%s, '$[*]' COLUMNS (k VARCHAR(255) PATH '$')) w"
        if vendor == "postgresql":
            return "(SELECT jsonb_array_elements_text(%s::jsonb) AS k) w"
        return "(SELECT value AS k FROM json_each(%s)) w"

    def _parse(self, raw: str) -> tuple[CourseKey | None, str]:
        key, problem = parse_course_key(raw)
        self._problems[raw] = problem
        return key, problem

    def _usable(self, spec: TableSpec, row_id: int, stored: str) -> bool:
        """Return whether an override row's key can be evaluated; record a course id that does not parse."""
        if spec is not tables.COURSE_OVERRIDES:
            return True
        if stored not in self._problems:
            self._parse(stored)
        if self._problems[stored]:
            self.invalid[(spec.table, row_id)] = InvalidRow(spec.table, str(row_id), self._problems[stored])
            return False
        return True

    def _equals(self, spec: TableSpec, alias: str, other: str, other_column: tuple[str, str] | None = None) -> str:
        """
        Return SQL true when ``other`` equals the key column of ``alias`` as the database compares a literal with it.

        ``other_column`` ((table, column)) names the column ``other`` reads: when its collation is the key
        column's, the plain comparison already means the same, and keeps both columns' indexes usable.
        """
        if self._collations is None:
            names = [spec.table for spec, model in self.models.items() if model is not None]
            self._collations = tables.key_collations(self.connection, [*names, _OVERVIEW_ID[0]] if names else [])
        key_column = (spec.table, _KEY_COLUMNS[spec])
        left = f"{alias}.{self.quote(key_column[1])}"
        collation = self._collations.get(key_column)
        if collation is None or (other_column is not None and self._collations.get(other_column) == collation):
            return f"{left} = {other}"
        if self.connection.vendor == "mysql":
            return f"{left} = CONVERT({other} USING {collation[0]}) COLLATE {collation[1]}"
        return f"{left} = {other} COLLATE {self.quote(collation[0])}.{self.quote(collation[1])}"
