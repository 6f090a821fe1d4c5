"""Read the stored state of a retired flag, and the courses it applied to, through a given apps registry."""

import json
import re
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import CharField, Q, Value
from django.db.models.functions import Cast
from opaque_keys import InvalidKeyError
from opaque_keys.edx.keys import CourseKey

from . import tables

_CHUNK = 2000
# Tied keys asked per statement: each is upstream's own query, a few parameters each.
_TIES_PER_QUERY = 200
_ON = "on"
_IDENTIFIER = re.compile(r"\w+")


@dataclass(frozen=True)
class StoredRows:
    """Every stored row of one toggle, per table name, as JSON-ready dicts sorted by id."""

    toggle: str
    rows: dict

    def of(self, spec):
        """Return the rows of one table."""
        return self.rows.get(spec.table, ())

    @property
    def count(self):
        """How many rows in all."""
        return sum(len(rows) for rows in self.rows.values())


@dataclass(frozen=True)
class Course:
    """A course whose exams showed the field only when the flag said so."""

    course_id: str
    provider: str
    escalation_email: str


def installed_tables(apps):
    """Return the flag tables present in this registry (edx-platform's override tables may be absent)."""
    return tuple(spec for spec in tables.FLAG_TABLES if tables.get_model(apps, spec) is not None)


def read_rows(apps, toggle, using):
    """Read every stored row of ``toggle``: one query per table, whatever the row count."""
    rows = {}
    flag_model = tables.get_model(apps, tables.FLAG)
    flag_ids = list(flag_model.objects.using(using).filter(name=toggle).values_list("id", flat=True))
    for spec in installed_tables(apps):
        model = tables.get_model(apps, spec)
        manager = model._base_manager.db_manager(using)
        if spec.m2m_field:
            if not flag_ids:
                rows[spec.table] = ()
                continue
            queryset = manager.filter(flag_id__in=flag_ids)
        else:
            queryset = manager.filter(**{spec.toggle_column: toggle})
        values = tables.raw_values(queryset.order_by("id"), spec).iterator(chunk_size=_CHUNK)
        rows[spec.table] = tuple(tables.encode_row(spec, row) for row in values)
    return StoredRows(toggle=toggle, rows=rows)


def read_courses(apps, backends, default_provider, using):
    """
    Return the proctored courses on ``backends`` (a NULL provider means ``default_provider``), or None.

    None means unknown: edx-platform's course_overviews app is not installed here.
    """
    try:
        model = apps.get_model(tables.COURSE_OVERVIEWS_LABEL, "CourseOverview")
    except LookupError:
        return None
    on_backends = Q(proctoring_provider__in=list(backends))
    if default_provider in backends:
        on_backends |= Q(proctoring_provider__isnull=True)
    queryset = (
        model._base_manager.db_manager(using)
        .filter(on_backends, enable_proctored_exams=True)
        .annotate(raw_id=Cast("id", CharField(max_length=255)))
        .order_by("raw_id")
        .values_list("raw_id", "proctoring_provider", "proctoring_escalation_email")
    )
    return tuple(
        Course(course_id=raw_id, provider=provider or default_provider, escalation_email=email or "")
        for raw_id, provider, email in queryset.iterator(chunk_size=_CHUNK)
    )


# ---------------------------------------------------------------------------------------------------------------------
# The legacy state as upstream's lookups read it: the database compares the keys and breaks the ties
# ---------------------------------------------------------------------------------------------------------------------


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
    value: object
    row_id: int


@dataclass(frozen=True, slots=True)
class Tie:
    """Newest rows of a key that share their change_date, and the one upstream's query returned on this database."""

    table: str
    key: str
    tied_ids: tuple
    effective_id: int


@dataclass(frozen=True, slots=True)
class KnownCourse:
    """A proctored course on a legacy backend, with what upstream's course and org lookups found for it."""

    course_id: str
    provider: str
    escalation_email: str
    # True/False from the effective course override; None when it does not answer.
    course_value: object = None
    # True/False from the effective override of the course's org, asked only when the course level does not answer.
    org_value: object = None
    # Why the course id does not parse ('' when it does, or when the course level answered without parsing it).
    problem: str = ""


@dataclass(frozen=True)
class LegacyState:
    """What the legacy CourseWaffleFlag read: the global flag, one effective override per key, the known courses."""

    toggle: str
    flag_row: object
    user_count: int
    group_count: int
    course_overrides: tuple
    org_overrides: tuple
    invalid_rows: tuple
    ties: tuple
    # None: edx-platform's course_overviews app is not installed here, so the courses are unknown.
    courses: object


def parse_course_key(raw):
    """Return (CourseKey, '') for a stored course id, or (None, why it does not parse)."""
    if not isinstance(raw, str):
        return None, f"course id of type {type(raw).__name__}"
    try:
        return CourseKey.from_string(raw), ""
    except InvalidKeyError:
        return None, f"course id {raw!r} does not parse as a course key"


def read_legacy_state(apps, toggle, backends, default_provider, using):
    """
    Read the legacy state of ``toggle`` with a constant number of queries; Python holds one row per key.

    The database compares the keys with each column's own collation, as upstream's ``filter(course_id=...)`` and
    ``filter(org=...)`` did. When a key's newest rows share a change_date, the database answers upstream's own query
    (``filter(...).order_by('-change_date').first()``) for it, and the answer is recorded as a Tie.
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


class _Newest:
    """The newest rows of one key, folded from rows the database ordered by change_date, newest first."""

    __slots__ = ("change_date", "rows")

    def __init__(self, change_date, row):
        self.change_date = change_date
        self.rows = [row]

    def add(self, change_date, row):
        """Keep ``row`` when it ties with the newest; older rows do not count."""
        if change_date == self.change_date:
            self.rows.append(row)


class _Fold:
    """Each key's newest rows, from rows (key, id, change_date, enabled, choice, stored key) newest first."""

    def __init__(self):
        self.newest = {}

    def add(self, values):
        """Fold one row; a NULL id (an outer join that found nothing) records the key with no rows."""
        key, row_id, change_date, enabled, choice, stored = values
        if row_id is None:
            self.newest.setdefault(key, None)
            return
        row = (row_id, bool(enabled), choice, stored)
        found = self.newest.get(key)
        if found is None:
            self.newest[key] = _Newest(change_date, row)
        else:
            found.add(change_date, row)


_KEY_COLUMNS = {tables.COURSE_OVERRIDES: "course_id", tables.ORG_OVERRIDES: "org"}
_OVERVIEW_ID = ("course_overviews_courseoverview", "id")


class _Reader:
    """The queries of read_legacy_state on one database, and the invalid rows and ties they met."""

    def __init__(self, apps, toggle, using):
        self.apps = apps
        self.toggle = toggle
        self.using = using
        self.connection = connections[using]
        self.quote = self.connection.ops.quote_name
        self.models = {spec: tables.get_model(apps, spec) for spec in _KEY_COLUMNS}
        self.invalid = {}
        self.ties = set()
        self._problems = {}
        self._collations = None

    def flag(self):
        """Return (flag row or None, linked user count, linked group count)."""
        manager = tables.get_model(self.apps, tables.FLAG)._base_manager.db_manager(self.using)
        found = list(tables.raw_values(manager.filter(name=self.toggle), tables.FLAG))
        if not found:
            return None, 0, 0
        flag_row = tables.encode_row(tables.FLAG, found[0])
        counts = [
            tables.get_model(self.apps, spec)
            ._base_manager.db_manager(self.using)
            .filter(flag_id=flag_row["id"])
            .count()
            for spec in (tables.FLAG_USERS, tables.FLAG_GROUPS)
        ]
        return flag_row, *counts

    def stored_key_overrides(self, spec):
        """
        Return the effective Override of every stored key, keys grouped as the database compares them (one query).

        The database numbers the keys in its own sort order (``DENSE_RANK``), so spellings it compares equal share
        one number and one answer, reported with the key as stored in the effective row. Course ids that do not
        parse are recorded as invalid rows, and an effective row of that kind is no override.
        """
        if self.models[spec] is None:
            return ()
        key = f"o.{self.quote(_KEY_COLUMNS[spec])}"
        fold = self._fold(
            f"SELECT DENSE_RANK() OVER (ORDER BY {key}), o.id, {self._date('o.change_date')}, o.enabled, "
            f"o.override_choice, {key} FROM {self.quote(spec.table)} o WHERE o.waffle_flag = %s "
            "ORDER BY o.change_date DESC",
            [self.toggle],
            # Every row of the toggle passes here once: check each stored course id.
            check=lambda row: self._usable(spec, (row[1], None, None, row[5])),
        )
        overrides = {}
        # Ask upstream's query of a tied group with a key of the group as stored: the database finds the others.
        for row in self._effective(spec, fold, literal=lambda group, found: found.rows[0][3]).values():
            if row is not None and self._usable(spec, row):
                row_id, enabled, choice, stored = row
                overrides[row_id] = Override(key=stored, value=(choice == _ON) if enabled else None, row_id=row_id)
        return tuple(sorted(overrides.values(), key=lambda item: (item.key, item.row_id)))

    def known_courses(self, backends, default_provider):
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
        orgs = {}
        for course_id in details:
            if course_id not in course_values:
                key, _ = self._parse(course_id)
                if key is not None:
                    orgs[course_id] = key.org
        org_values = self._org_values(set(orgs.values()))
        return tuple(
            KnownCourse(
                course_id,
                details[course_id][0] or default_provider,
                details[course_id][1] or "",
                course_value=course_values.get(course_id),
                org_value=org_values.get(orgs[course_id]) if course_id in orgs else None,
                problem="" if course_id in course_values else self._problems[course_id],
            )
            for course_id in sorted(details)
        )

    def _courses_with_course_overrides(self, courses_sql, params):
        """
        Return ({course id: (provider, email)}, {course id: True/False from its effective course override}).

        Two queries: the courses, then the toggle's course override rows joined with them (driven by the toggle's
        rows, so the cost follows the toggle's history, not every flag's).
        """
        details = {}
        with self.connection.chunked_cursor() as cursor:
            cursor.execute(courses_sql, params)
            for course_id, provider, email in self._rows(cursor):
                details[course_id] = (provider, email)
        spec = tables.COURSE_OVERRIDES
        if self.models[spec] is None:
            return details, {}
        matches = self._equals(spec, "o", "c.id", _OVERVIEW_ID)
        fold = self._fold(
            f"SELECT c.id, o.id, {self._date('o.change_date')}, o.enabled, o.override_choice, o.course_id "
            f"FROM {self.quote(spec.table)} o JOIN ({courses_sql}) c ON {matches} "
            "WHERE o.waffle_flag = %s ORDER BY o.change_date DESC",
            [*params, self.toggle],
        )
        course_values = {}
        for course_id, row in self._effective(spec, fold).items():
            if row[1] and self._usable(spec, row):
                course_values[course_id] = row[2] == _ON
        return details, course_values

    def _org_values(self, orgs):
        """Return {org: True/False} for the orgs whose effective org override answers (one query, even for none)."""
        spec = tables.ORG_OVERRIDES
        if self.models[spec] is None:
            return {}
        fold = self._fold(
            f"SELECT w.k, o.id, {self._date('o.change_date')}, o.enabled, o.override_choice, o.org "
            f"FROM {self._json_strings()} JOIN {self.quote(spec.table)} o "
            f"ON o.waffle_flag = %s AND {self._equals(spec, 'o', 'w.k')} ORDER BY o.change_date DESC",
            [json.dumps(sorted(orgs)), self.toggle],
        )
        return {org: row[2] == _ON for org, row in self._effective(spec, fold).items() if row is not None and row[1]}

    def _effective(self, spec, fold, literal=lambda key, found: key):
        """
        Return {key: effective row}; where the newest rows tie, upstream's query picks one, and the tie is recorded.

        ``literal`` gives the value upstream's query is asked with for a key (by default the key itself).
        """
        tied = {
            key: literal(key, found) for key, found in fold.newest.items() if found is not None and len(found.rows) > 1
        }
        answers = self._ask_upstream(spec, sorted(set(tied.values())))
        effective = {}
        for key, found in fold.newest.items():
            if found is None or len(found.rows) == 1:
                effective[key] = found and found.rows[0]
                continue
            by_id = {row[0]: row for row in found.rows}
            chosen = answers.get(tied[key], found.rows[0][0])
            self.ties.add(Tie(spec.table, tied[key], tuple(sorted(by_id)), chosen))
            effective[key] = by_id.get(chosen, found.rows[0])
        return effective

    def _ask_upstream(self, spec, keys):
        """Run upstream's ``filter(...).order_by('-change_date').first()`` for each key; return {key: row id}."""
        if not keys:
            return {}
        manager = self.models[spec]._base_manager.db_manager(self.using)
        answers = {}
        for start in range(0, len(keys), _TIES_PER_QUERY):
            batch = keys[start : start + _TIES_PER_QUERY]
            parts, params = [], []
            for position, key in enumerate(batch):
                queryset = manager.filter(waffle_flag=self.toggle, **{_KEY_COLUMNS[spec]: Value(key)})
                upstream = tables.raw_values(queryset.order_by("-change_date"), spec)[:1]
                sql, query_params = upstream.query.get_compiler(using=self.using).as_sql()
                parts.append(f"SELECT {position} AS n, t{position}.id FROM ({sql}) t{position}")
                params.extend(query_params)
            with self.connection.cursor() as cursor:
                cursor.execute(" UNION ALL ".join(parts), params)
                answers.update((batch[position], row_id) for position, row_id in cursor.fetchall())
        return answers

    def _fold(self, sql, params, check=None):
        fold = _Fold()
        with self.connection.chunked_cursor() as cursor:
            cursor.execute(sql, params)
            for row in self._rows(cursor):
                if check is not None:
                    check(row)
                fold.add(row)
        return fold

    @staticmethod
    def _rows(cursor):
        while rows := cursor.fetchmany(_CHUNK):
            yield from rows

    def _date(self, expression):
        # SQLite keeps change_date as text and orders it as text: compare that text, not a parsed datetime.
        return f"CAST({expression} AS TEXT)" if self.connection.vendor == "sqlite" else expression

    def _json_strings(self):
        """Return a table ``w(k)`` of the strings in a JSON array parameter: one parameter, whatever the count."""
        vendor = self.connection.vendor
        if vendor == "mysql":
            return "JSON_TABLE(%s, '$[*]' COLUMNS (k VARCHAR(255) PATH '$')) w"
        if vendor == "postgresql":
            return "(SELECT jsonb_array_elements_text(%s::jsonb) AS k) w"
        return "(SELECT value AS k FROM json_each(%s)) w"

    def _parse(self, raw):
        key, problem = parse_course_key(raw)
        self._problems[raw] = problem
        return key, problem

    def _usable(self, spec, row):
        """Return whether an override row's key can be evaluated; record a course id that does not parse."""
        if spec is not tables.COURSE_OVERRIDES:
            return True
        row_id, _, _, stored = row
        if stored not in self._problems:
            self._parse(stored)
        if self._problems[stored]:
            self.invalid[(spec.table, row_id)] = InvalidRow(spec.table, str(row_id), self._problems[stored])
            return False
        return True

    def _equals(self, spec, alias, other, other_column=None):
        """
        Return SQL true when ``other`` equals the key column of ``alias`` as the database compares a literal with it.

        ``other_column`` ((table, column)) names the column ``other`` reads: when its collation is the key
        column's, the plain comparison already means the same, and keeps both columns' indexes usable.
        """
        if self._collations is None:
            self._collations = self._read_collations()
        key_column = (spec.table, _KEY_COLUMNS[spec])
        left = f"{alias}.{self.quote(key_column[1])}"
        collation = self._collations.get(key_column)
        if collation is None or (other_column is not None and self._collations.get(other_column) == collation):
            return f"{left} = {other}"
        if self.connection.vendor == "mysql":
            return f"{left} = CONVERT({other} USING {collation[0]}) COLLATE {collation[1]}"
        return f"{left} = {other} COLLATE {self.quote(collation[0])}.{self.quote(collation[1])}"

    def _read_collations(self):
        """
        Return {(table, column): collation} of the key columns and the course id column (one query).

        SQLite needs none: it compares with the collating sequence of the left operand, the key column. MySQL and
        PostgreSQL are told the key column's collation, read from their catalogue: (character set, collation) on
        MySQL, (schema, name) on PostgreSQL.
        """
        tables_ = [spec.table for spec, model in self.models.items() if model is not None]
        vendor = self.connection.vendor
        if not tables_ or vendor not in ("mysql", "postgresql"):
            return {}
        tables_.append(_OVERVIEW_ID[0])
        if vendor == "mysql":
            sql = (
                "SELECT table_name, column_name, character_set_name, collation_name FROM information_schema.columns "
                "WHERE table_schema = DATABASE() AND table_name IN %s AND column_name IN ('course_id', 'org', 'id')"
            )
            names = tuple(tables_)
        else:
            sql = (
                "SELECT c.relname, a.attname, n.nspname, k.collname FROM pg_attribute a "
                "JOIN pg_class c ON c.oid = a.attrelid JOIN pg_collation k ON k.oid = a.attcollation "
                "JOIN pg_namespace n ON n.oid = k.collnamespace "
                "WHERE a.attrelid IN (SELECT to_regclass(name) FROM unnest(%s::text[]) AS name) "
                "AND a.attname IN ('course_id', 'org', 'id')"
            )
            names = [self.quote(table) for table in tables_]
        with self.connection.cursor() as cursor:
            cursor.execute(sql, [names])
            found = cursor.fetchall()
        return {
            (table, column): (first, second)
            for table, column, first, second in found
            # Names from the catalogue go into SQL: MySQL's are bare words, PostgreSQL's are quoted.
            if vendor == "postgresql" or (_IDENTIFIER.fullmatch(first or "") and _IDENTIFIER.fullmatch(second or ""))
        }
