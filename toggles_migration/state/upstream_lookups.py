"""Read the stored state of a retired flag, and the courses it applied to, as upstream's lookups read it."""

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar

from django.apps.registry import Apps
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Q

from . import tables
from .legacy_state import (
    Ambiguous,
    InvalidRow,
    KnownCourse,
    LegacyState,
    LevelValue,
    Override,
    Tie,
    course_org,
    possible_values,
    row_value,
)
from .tables import DbValue, JsonValue, Row, TableSpec

# Keys (or courses, or rows) one query reads: what Python holds at once, whatever the number of keys.
PAGE = 2000
_T = TypeVar("_T")


class Pages(Iterable[_T]):
    """A stream read again, a page at a time, on each iteration: the plan may go over the courses twice."""

    def __init__(self, read: Callable[[], Iterator[_T]]) -> None:
        self._read = read

    def __iter__(self) -> Iterator[_T]:
        return self._read()


def read_legacy_state(
    apps: Apps, toggle: str, backends: tuple[str, ...], default_provider: str | None, using: str
) -> LegacyState:
    """
    Read the legacy state of ``toggle``; Python holds a page of keys, the ties and the invalid rows, never every key.

    The database compares the keys with each column's own collation, as upstream's ``filter(course_id=...)`` and
    ``filter(org=...)`` did. When a key's newest rows share a change_date, upstream's own query
    (``filter(...).order_by('-change_date').first()``) may return any of them from one run to the next: the tie is
    recorded, and the key keeps the value its tied rows agree on, or is Ambiguous when they disagree. The
    overrides and the known courses are streams: each iteration reads them again, a page of keys per query.
    """
    reader = _Reader(apps, toggle, using)
    flag_row, user_count, group_count = reader.flag()
    invalid = tuple(reader.invalid_rows())
    reader.invalid_ids = {int(row.id) for row in invalid}
    ties: list[Tie] = []
    for spec in _KEY_COLUMNS:
        for _ in reader.stored_key_overrides(spec, ties):
            pass
    return LegacyState(
        toggle=toggle,
        flag_row=flag_row,
        user_count=user_count,
        group_count=group_count,
        course_overrides=Pages(lambda: reader.stored_key_overrides(tables.COURSE_OVERRIDES)),
        org_overrides=Pages(lambda: reader.stored_key_overrides(tables.ORG_OVERRIDES)),
        invalid_rows=invalid,
        ties=tuple(sorted(ties, key=lambda tie: (tie.table, tie.key, tie.tied_ids))),
        courses=reader.known_courses(backends, default_provider),
    )


# A row as the database driver returns it: its values' types follow the query's columns.
_SqlRow = tuple[Any, ...]
# One newest override row: (id, enabled, override_choice, the key as stored).
_OverrideRow = tuple[int, bool, str, str]

_KEY_COLUMNS = {tables.COURSE_OVERRIDES: "course_id", tables.ORG_OVERRIDES: "org"}
_OVERVIEW_ID = ("course_overviews_courseoverview", "id")


class _Reader:
    """The queries of read_legacy_state on one database."""

    def __init__(self, apps: Apps, toggle: str, using: str) -> None:
        self.apps = apps
        self.toggle = toggle
        self.using = using
        self.connection = connections[using]
        self.quote = self.connection.ops.quote_name
        self.models = {spec: tables.get_model(apps, spec) for spec in _KEY_COLUMNS}
        # The ids of the course override rows whose course id does not parse: never an effective override.
        self.invalid_ids: set[int] = set()
        # Whether SQLite may read the toggle's rows through the waffle_flag index (_flag); decided once.
        self._flag_index: bool | None = None
        # (table, column) -> its collation; read once, when first needed.
        self._collations: dict[tuple[str, str], tuple[str, str]] | None = None

    def flag(self) -> tuple[Row | None, int, int]:
        """Return (flag row or None, linked user count, linked group count)."""
        model = tables.flag_model(self.apps)
        found = list(tables.raw_values(model._base_manager.db_manager(self.using).filter(name=self.toggle)))
        if not found:
            return None, 0, 0
        flag_row = tables.encode_row(model, found[0])
        users, groups = (self._links(spec, flag_row["id"]) for spec in (tables.FLAG_USERS, tables.FLAG_GROUPS))
        return flag_row, users, groups

    def _links(self, spec: TableSpec, flag_id: JsonValue) -> int:
        """Count the flag's rows in a many-to-many table of django-waffle's Flag."""
        model = tables.get_model(self.apps, spec)
        return 0 if model is None else model._base_manager.db_manager(self.using).filter(flag_id=flag_id).count()

    def invalid_rows(self) -> Iterator[InvalidRow]:
        """Yield the toggle's course override rows whose course id does not parse, by id (a page of rows per query)."""
        spec = tables.COURSE_OVERRIDES
        if self.models[spec] is None:
            return
        last = None
        while True:
            after = "" if last is None else " AND o.id > %s"
            rows = self._fetch(
                f"SELECT o.id, o.course_id FROM {self.quote(spec.table)} o WHERE o.waffle_flag = %s{after} "
                f"ORDER BY o.id LIMIT {PAGE}",
                [self.toggle] if last is None else [self.toggle, last],
            )
            for row_id, raw in rows:
                problem = course_org(raw)[1]
                if problem:
                    yield InvalidRow(spec.table, str(row_id), problem)
            if len(rows) < PAGE:
                return
            last = rows[-1][0]

    def stored_key_overrides(self, spec: TableSpec, ties: list[Tie] | None = None) -> Iterator[Override]:
        """
        Yield the effective Override of every stored key, keys grouped as the database compares them; add ties.

        A page is the keys up to the one ``PAGE`` rows further in the database's order of the key column, with
        every spelling it compares equal to that one: the database numbers them (``DENSE_RANK``) and returns only
        each group's newest rows, so spellings it compares equal share one answer, reported with the key as
        stored in the effective row. A course id that does not parse is no override.
        """
        if self.models[spec] is None:
            return
        table, key = self.quote(spec.table), f"o.{self.quote(_KEY_COLUMNS[spec])}"
        last = None
        while True:
            after = "" if last is None else f" AND {key} > %s"
            params: list[DbValue] = [self.toggle] if last is None else [self.toggle, last]
            found = self._fetch(
                f"SELECT {key} FROM {table} o WHERE {self._flag()}{after} ORDER BY {key} LIMIT 1 OFFSET {PAGE - 1}",
                params,
            )
            bound = found[0][0] if found else None
            upto = "" if bound is None else f" AND {key} <= %s"
            rows = self._newest(
                spec,
                f"{table} o WHERE {self._flag()}{after}{upto}",
                params if bound is None else [*params, bound],
                f"DENSE_RANK() OVER (ORDER BY {key})",
                key,
            )
            for group in _groups(rows).values():
                answer = self._answer(spec, group, group[0][3], ties)
                if self._usable(spec, group[0]):
                    yield Override(key=group[0][3], value=answer, row_id=group[0][0])
            if bound is None:
                return
            last = bound

    def known_courses(self, backends: tuple[str, ...], default_provider: str | None) -> Iterable[KnownCourse] | None:
        """
        Return the proctored courses on ``backends`` (a NULL provider means ``default_provider``), or None.

        None means unknown: edx-platform's course_overviews app is not installed here. The courses are a stream, a
        page of courses at a time in the database's order of their ids: per page, one query reads the courses, one
        their course overrides' newest rows, one the org overrides' of the orgs of the courses left unanswered.
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
        return Pages(lambda: self._course_pages(courses_sql, params, default_provider))

    def _course_pages(self, courses_sql: str, params: Sequence[DbValue], default: str | None) -> Iterator[KnownCourse]:
        last = None
        while True:
            after = "" if last is None else " WHERE c.id > %s"
            page = self._fetch(
                f"SELECT c.id, c.proctoring_provider, c.proctoring_escalation_email FROM ({courses_sql}) c{after} "
                f"ORDER BY c.id LIMIT {PAGE}",
                [*params] if last is None else [*params, last],
            )
            if not page:
                return
            course_values = self._course_values(courses_sql, params, last, page[-1][0])
            orgs: dict[str, str] = {}
            problems: dict[str, str] = {}
            for course_id, _, _ in page:
                if None in possible_values(course_values.get(course_id)):
                    org, problems[course_id] = course_org(course_id)
                    if org is not None:
                        orgs[course_id] = org
            org_values = self._org_values(set(orgs.values()))
            for course_id, provider, email in page:
                yield KnownCourse(
                    course_id,
                    # A NULL provider is selected only when the default provider is one of the backends.
                    provider or default or "",
                    email or "",
                    course_value=course_values.get(course_id),
                    org_value=org_values.get(orgs[course_id]) if course_id in orgs else None,
                    problem=problems.get(course_id, ""),
                )
            if len(page) < PAGE:
                return
            last = page[-1][0]

    def _course_values(
        self, courses_sql: str, params: Sequence[DbValue], after: str | None, upto: str
    ) -> dict[str, LevelValue]:
        """
        Return {course id: what its effective course override answers} for the courses in (after, upto].

        The toggle's rows joined with the page's courses, their newest found per course: the cost follows the page.
        """
        spec = tables.COURSE_OVERRIDES
        if self.models[spec] is None:
            return {}
        bounds = [upto] if after is None else [after, upto]
        lower = "" if after is None else "p.id > %s AND "
        where, where_params = self._flag(by_key=True), [self.toggle]
        if self._same_collation(spec, _OVERVIEW_ID):
            # Both columns compare alike, so the page's overrides lie in its id range: the toggle's rows outside it
            # are passed over before their newest row is looked for, and its waffle_flag index may drive the query.
            lower_key = "" if after is None else " AND o.course_id > %s"
            where, where_params = f"{self._flag()}{lower_key} AND o.course_id <= %s", [self.toggle, *bounds]
        rows = self._newest(
            spec,
            f"{self.quote(spec.table)} o JOIN (SELECT p.id FROM ({courses_sql}) p WHERE {lower}p.id <= %s) c "
            f"ON {self._equals(spec, 'o', 'c.id', _OVERVIEW_ID)} WHERE {where}",
            [*params, *bounds, *where_params],
            "c.id",
        )
        course_values: dict[str, LevelValue] = {}
        for course_id, group in _groups(rows).items():
            answer = self._answer(spec, group, course_id)
            if answer is not None and self._usable(spec, group[0]):
                course_values[course_id] = answer
        return course_values

    def _org_values(self, orgs: set[str]) -> dict[str, LevelValue]:
        """Return {org: its answer} for the orgs whose effective org override answers (one query, even for none)."""
        spec = tables.ORG_OVERRIDES
        if self.models[spec] is None:
            return {}
        matches = self._equals(spec, "o", "w.k")
        rows = self._newest(
            spec,
            f"{self._json_strings()} JOIN {self.quote(spec.table)} o ON o.waffle_flag = %s AND {matches}",
            [json.dumps(sorted(orgs)), self.toggle],
            "w.k",
        )
        answers = {org: self._answer(spec, group, org) for org, group in _groups(rows).items()}
        return {org: answer for org, answer in answers.items() if answer is not None}

    def _answer(self, spec: TableSpec, rows: list[_OverrideRow], key: str, ties: list[Tie] | None = None) -> LevelValue:
        """
        Return what a key answers from its newest rows (sorted by id), the same on every run; add a tie to ``ties``.

        Upstream's query may return any of a key's tied newest rows, so the database is not asked which: tied rows
        that agree give their value (the lowest id stands for them), tied rows that disagree give Ambiguous.
        """
        values = tuple(row_value(row[1], row[2]) for row in rows)
        if len(rows) == 1:
            return values[0]
        agree = len(set(values)) == 1
        if ties is not None:
            tied_ids = tuple(row[0] for row in rows)
            ties.append(Tie(spec.table, key, tied_ids, tied_ids[0] if agree else None, values))
        return values[0] if agree else Ambiguous.of(values)

    def _flag(self, by_key: bool = False) -> str:
        """
        Return SQL true for the toggle's rows of ``o``; on SQLite, say whether its waffle_flag index may be used.

        SQLite has no statistics: it reads every row of the toggle through the waffle_flag index, and sorts them,
        for each page. That is cheapest while the toggle has few rows; past that (pages times its rows above
        the table's size), a unary plus (SQLite's documented way) keeps that index out, and the key range (or the
        page's courses) drives each query instead; ``by_key`` keeps it out always (the page's courses drive the
        query). MySQL and PostgreSQL choose by their statistics.
        """
        if self.connection.vendor != "sqlite" or self.models[tables.COURSE_OVERRIDES] is None:
            return "o.waffle_flag = %s"
        if by_key:
            return "+o.waffle_flag = %s"
        if self._flag_index is None:
            table = self.quote(tables.COURSE_OVERRIDES.table)
            rows = self._fetch(f"SELECT COUNT(*) FROM {table} WHERE waffle_flag = %s", [self.toggle])[0][0] or 0
            size = self._fetch(f"SELECT MAX(id) FROM {table}", [])[0][0] or 0
            self._flag_index = rows * rows <= PAGE * size
        return "o.waffle_flag = %s" if self._flag_index else "+o.waffle_flag = %s"

    def _newest(
        self, spec: TableSpec, rows: str, params: Sequence[DbValue], group: str, partition: str | None = None
    ) -> list[_SqlRow]:
        """
        Fetch (group, id, enabled, choice, stored key) of the newest rows of ``o`` per partition, by group and id.

        The partition is ``group`` unless ``partition`` says otherwise. ``rows`` (what follows FROM) takes in, for
        each value of the partition, all the toggle's rows whose key the database compares equal to it, or none (a
        range of keys or a join on the key does): their newest is found among them, in one pass, with no lookup per
        row.
        """
        key = f"o.{self.quote(_KEY_COLUMNS[spec])}"
        return self._fetch(
            f"SELECT g, id, enabled, override_choice, k FROM (SELECT {group} g, o.id, o.enabled, o.override_choice, "
            f"{key} k, o.change_date, MAX(o.change_date) OVER (PARTITION BY {partition or group}) m FROM {rows}) w "
            "WHERE change_date = m ORDER BY 1, id",
            params,
        )

    def _fetch(self, sql: str, params: Sequence[DbValue]) -> list[_SqlRow]:
        """Run one query whose rows are bounded (a page): every driver holds its whole result anyway."""
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)
            return list(cursor.fetchall())

    def _json_strings(self) -> str:
        """Return a table ``w(k)`` of the strings in a JSON array parameter: one parameter, whatever the count."""
        vendor = self.connection.vendor
        if vendor == "mysql":
            return "JSON_TABLE(%s, '$[*]' COLUMNS (k VARCHAR(255) PATH '$')) w"
        if vendor == "postgresql":
            return "(SELECT jsonb_array_elements_text(%s::jsonb) AS k) w"
        return "(SELECT value AS k FROM json_each(%s)) w"

    def _usable(self, spec: TableSpec, row: _OverrideRow) -> bool:
        """Return whether an effective override row's key can be evaluated (its course id parses)."""
        return spec is not tables.COURSE_OVERRIDES or row[0] not in self.invalid_ids

    def _equals(self, spec: TableSpec, alias: str, other: str, other_column: tuple[str, str] | None = None) -> str:
        """
        Return SQL true when ``other`` equals the key column of ``alias`` as the database compares a literal with it.

        ``other_column`` ((table, column)) names the column ``other`` reads: when its collation is the key
        column's, the plain comparison already means the same, and keeps both columns' indexes usable.
        """
        left = f"{alias}.{self.quote(_KEY_COLUMNS[spec])}"
        collation = self._key_collation(spec)
        same = other_column is not None and self._same_collation(spec, other_column)
        if collation is None or same or self.connection.vendor == "sqlite":
            return f"{left} = {other}"
        if self.connection.vendor == "mysql":
            return f"{left} = CONVERT({other} USING {collation[0]}) COLLATE {collation[1]}"
        return f"{left} = {other} COLLATE {self.quote(collation[0])}.{self.quote(collation[1])}"

    def _same_collation(self, spec: TableSpec, other_column: tuple[str, str]) -> bool:
        """Return whether ``other_column`` ((table, column)) is known to compare and sort as ``spec``'s key column."""
        key_collation = self._key_collation(spec)
        return key_collation is not None and self._collation(other_column) == key_collation

    def _key_collation(self, spec: TableSpec) -> tuple[str, str] | None:
        """Return the collation of the key column of ``spec`` (None: the database's default)."""
        return self._collation((spec.table, _KEY_COLUMNS[spec]))

    def _collation(self, column: tuple[str, str]) -> tuple[str, str] | None:
        """Return the collation of a (table, column) among the key columns and course ids; all read once."""
        if self._collations is None:
            names = [spec.table for spec, model in self.models.items() if model is not None]
            self._collations = tables.key_collations(self.connection, [*names, _OVERVIEW_ID[0]] if names else [])
        return self._collations.get(column)


def _groups(rows: Iterable[_SqlRow]) -> dict[Any, list[_OverrideRow]]:
    """Group rows (group, id, enabled, choice, stored key) by their first value, each group in id order."""
    groups: dict[Any, list[_OverrideRow]] = {}
    for group, row_id, enabled, choice, stored in rows:
        groups.setdefault(group, []).append((row_id, bool(enabled), choice, stored))
    return groups
