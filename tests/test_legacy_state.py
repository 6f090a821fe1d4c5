"""The legacy state read from the database, on SQLite, MariaDB and PostgreSQL: upstream's lookups, answered there."""

import json
from datetime import UTC, datetime, timedelta
from unittest import mock

import ddt
from django.apps import apps
from django.db import connection, models
from django.test import TestCase, TransactionTestCase
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase
from opaque_keys.edx.keys import CourseKey

from test_utils.course_overviews.models import CourseOverview
from test_utils.waffle_utils.models import WaffleFlagCourseOverrideModel, WaffleFlagOrgOverrideModel
from tests import factories as f
from toggles_migration.plan import build_plan, json_data
from toggles_migration.retirements import SHOW_REVIEW_RULES_RETIREMENT
from toggles_migration.state import capture, upstream_lookups
from toggles_migration.state.legacy_state import Ambiguous, Tie, course_org, parse_course_key
from toggles_migration.state.upstream_lookups import read_legacy_state

NAME = f.NAME
COURSE_TABLE = f.COURSE_TABLE
ORG_TABLE = f.ORG_TABLE
D1 = datetime(2024, 1, 1, tzinfo=UTC)
D2 = D1 + timedelta(days=1)
D3 = D1 + timedelta(days=2)
VENDOR = connection.vendor
# The answer each database gives, as upstream's filter(course_id=...) / filter(org=...) compare: MariaDB's
# utf8mb4_unicode_ci for both columns, SQLite's NOCASE (CourseKeyField) for course ids only, PostgreSQL exact.
COURSE_IDS_IGNORE_CASE = f.course_ids_ignore_case(connection)
ORGS_IGNORE_CASE = VENDOR == "mysql"


def insert_override(table, row_id, key, choice="on", *, enabled=True, date=D1, name=NAME):
    """Insert an override row with raw SQL: any id, any stored key (malformed too), any date."""
    column = "course_id" if table == COURSE_TABLE else "org"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (id, change_date, enabled, waffle_flag, {column}, override_choice, note) "
            "VALUES (%s, %s, %s, %s, %s, %s, '')",
            [row_id, connection.ops.adapt_datetimefield_value(date), enabled, name, key, choice],
        )


def fresh_heaps():
    """
    On PostgreSQL, empty the override tables so new rows are stored in insertion order.

    PostgreSQL returns tied rows in the order it reads them, and rows written into space freed by earlier tests
    may be read out of id order. SQLite and MariaDB keep rows in primary-key order. The plan asks the database
    either way; this only makes "the lowest id" the database's answer in the tests that pin it.
    """
    if VENDOR == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {COURSE_TABLE}, {ORG_TABLE}")


def course_rows(*rows):
    for row in rows:
        insert_override(COURSE_TABLE, *row[:3], **(row[3] if len(row) > 3 else {}))


def org_rows(*rows):
    for row in rows:
        insert_override(ORG_TABLE, *row[:3], **(row[3] if len(row) > 3 else {}))


class _WithoutCourses:
    """An apps registry where edx-platform's course_overviews app is not installed."""

    def get_model(self, app_label, model_name=None):
        if app_label == "course_overviews":
            raise LookupError(app_label)
        return apps.get_model(app_label, model_name)


def state(registry=apps):
    return read_legacy_state(registry, NAME, ("proctortrack",), None, "default")


def plan(registry=apps):
    """The plan, as the command computes it (courses known unless the registry hides them)."""
    return build_plan(state(registry), SHOW_REVIEW_RULES_RETIREMENT, ("proctortrack",))


def upstream(course_id):
    """What edx-platform's CourseWaffleFlag read for a signed-in author: course override, org override, else None."""
    key = CourseKey.from_string(course_id)
    choice = WaffleFlagCourseOverrideModel.override_value(NAME, key)
    if choice == "unset":
        choice = WaffleFlagOrgOverrideModel.override_value(NAME, key.org)
    return None if choice == "unset" else choice == "on"


def known_values(result_state):
    return {
        course.course_id: course.course_value if course.course_value is not None else course.org_value
        for course in result_state.courses
    }


# ---------------------------------------------------------------------------------------------------------------------
# The collations land in the tables
# ---------------------------------------------------------------------------------------------------------------------


class CollationTest(TestCase):
    """The stand-ins use opaque-keys' CourseKeyField, so the key columns get the collations upstream's columns get."""

    def _ddl(self, table):
        with connection.cursor() as cursor:
            cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = %s", [table])
            return cursor.fetchone()[0]

    def _mysql_collation(self, table, column):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT collation_name FROM information_schema.columns "
                "WHERE table_schema = DATABASE() AND table_name = %s AND column_name = %s",
                [table, column],
            )
            return cursor.fetchone()[0]

    def test_sqlite_course_ids_are_nocase_and_orgs_binary(self):
        if VENDOR != "sqlite":
            self.skipTest("SQLite DDL")
        # NOCASE since edx-opaque-keys 4; a table created with an older one has no collation, and compares exactly.
        nocase = " COLLATE NOCASE" if COURSE_IDS_IGNORE_CASE else ""
        assert f'"course_id" varchar(255){nocase} NOT NULL' in self._ddl(COURSE_TABLE)
        assert f'"id" varchar(255){nocase} NOT NULL PRIMARY KEY' in self._ddl("course_overviews_courseoverview")
        assert '"org" varchar(255) NOT NULL' in self._ddl(ORG_TABLE)

    def test_mysql_course_ids_are_unicode_ci(self):
        if VENDOR != "mysql":
            self.skipTest("MariaDB catalogue")
        assert self._mysql_collation(COURSE_TABLE, "course_id") == "utf8mb4_unicode_ci"
        assert self._mysql_collation("course_overviews_courseoverview", "id") == "utf8mb4_unicode_ci"
        # Declared by the field itself, not inherited from the test database's default.
        field = WaffleFlagCourseOverrideModel._meta.get_field("course_id")
        assert field.db_parameters(connection)["collation"] == "utf8mb4_unicode_ci"
        assert CourseOverview._meta.get_field("id").db_parameters(connection)["collation"] == "utf8mb4_unicode_ci"

    def test_postgresql_course_ids_use_the_default_collation(self):
        if VENDOR != "postgresql":
            self.skipTest("PostgreSQL catalogue")
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT column_name, collation_name FROM information_schema.columns "
                "WHERE table_name = %s AND column_name = 'course_id'",
                [COURSE_TABLE],
            )
            assert cursor.fetchall() == [("course_id", None)]


# ---------------------------------------------------------------------------------------------------------------------
# Ties in change_date
# ---------------------------------------------------------------------------------------------------------------------

COURSE = "course-v1:OrgA+Demo+1"


def possible(answer):
    """Every value a level's answer allows: the values of an Ambiguous answer, or the answer itself."""
    return answer.values if isinstance(answer, Ambiguous) else (answer,)


@ddt.ddt
class TieTest(TestCase):
    """Newest rows sharing a change_date: the same answer on every run, never the database's pick of a tied row."""

    TIES = (
        # (rows as (id, choice, enabled[, date]), the Tie's effective id (None: ambiguous), the level's answer)
        ([(3, "on", True), (5, "off", True)], None, Ambiguous((False, True))),
        ([(3, "off", True), (5, "on", True)], None, Ambiguous((False, True))),
        ([(3, "on", True), (5, "on", True)], 3, True),
        ([(3, "off", True), (5, "off", True)], 3, False),
        # Disabled rows agree whatever their choice: each leaves the level unset.
        ([(3, "on", False), (5, "off", False)], 3, None),
        ([(3, "on", False), (5, "on", True)], None, Ambiguous((True, None))),
        ([(3, "off", True), (5, "on", False)], None, Ambiguous((False, None))),
        # An older row does not tie.
        ([(2, "on", True, D1), (3, "off", True), (5, "off", True)], 3, False),
    )

    def setUp(self):
        fresh_heaps()

    def _rows(self, rows):
        return [
            (row_id, choice, {"enabled": enabled, "date": (*date, D2)[0]}) for row_id, choice, enabled, *date in rows
        ]

    def _tie(self, table, key, rows, effective_id):
        tied = [row for row in rows if len(row) == 3]
        values = tuple((choice == "on") if enabled else None for _, choice, enabled in tied)
        return Tie(table, key, tuple(row[0] for row in tied), effective_id, values)

    @ddt.data(*TIES)
    @ddt.unpack
    def test_course_level_tie(self, rows, effective_id, answer):
        f.course(COURSE)
        for row_id, choice, options in self._rows(rows):
            insert_override(COURSE_TABLE, row_id, COURSE, choice, **options)
        result = state()
        assert known_values(result) == {COURSE: answer}
        assert upstream(COURSE) in possible(answer)
        assert self._tie(COURSE_TABLE, COURSE, rows, effective_id) in result.ties

    @ddt.data(*TIES)
    @ddt.unpack
    def test_org_level_tie(self, rows, effective_id, answer):
        f.course(COURSE)
        for row_id, choice, options in self._rows(rows):
            insert_override(ORG_TABLE, row_id, "OrgA", choice, **options)
        result = state()
        assert known_values(result) == {COURSE: answer}
        assert upstream(COURSE) in possible(answer)
        assert self._tie(ORG_TABLE, "OrgA", rows, effective_id) in result.ties

    @ddt.data(*TIES)
    @ddt.unpack
    def test_tie_without_course_data(self, rows, effective_id, answer):
        for row_id, choice, options in self._rows(rows):
            insert_override(COURSE_TABLE, row_id, COURSE, choice, **options)
        result = state(_WithoutCourses())
        # The lowest tied id stands for the key.
        assert [(item.key, item.value, item.row_id) for item in result.course_overrides] == [(COURSE, answer, 3)]
        assert result.ties == (self._tie(COURSE_TABLE, COURSE, rows, effective_id),)

    def test_the_tie_is_recorded_in_the_capture(self):
        f.forget_captures()
        f.course(COURSE)
        course_rows((3, COURSE, "on", {"date": D2}), (5, COURSE, "off", {"date": D2}))
        computed = capture.capture(f.context()).plan
        tie = Tie(table=COURSE_TABLE, key=COURSE, tied_ids=(3, 5), effective_id=None, values=(True, False))
        assert (computed.ties, computed.ambiguous) == ((tie,), (tie,))

    def test_no_tie_when_the_newest_row_is_alone(self):
        f.course(COURSE)
        course_rows((3, COURSE, "on", {"date": D1}), (5, COURSE, "off", {"date": D2}), (6, COURSE, "on", {"date": D1}))
        result = state()
        assert (known_values(result), result.ties) == ({COURSE: False}, ())

    def test_ties_cost_no_query(self):
        def plan_queries():
            with CaptureQueriesContext(connection) as queries:
                capture.compute_plan(f.context())
            return len(queries)

        course_rows(*[(index, f"course-v1:T+C{index}+1", "on", {"date": D1}) for index in range(1, 11)])
        course_rows(*[(100 + index, f"course-v1:T+C{index}+1", "off", {"date": D2}) for index in range(1, 11)])
        base = plan_queries()
        course_rows(*[(200 + index, f"course-v1:T+C{index}+1", "on", {"date": D2}) for index in range(1, 11)])
        assert plan_queries() == base


_OUT_OF_ORDER = (
    # (rows (id, choice) in insertion order, all tied; the course's answer)
    ([(9, "on"), (4, "off"), (7, "off")], Ambiguous((False, True))),
    ([(9, "on"), (4, "on"), (7, "on")], True),
)


@ddt.ddt
class StableTieTest(TransactionTestCase):
    """
    Ties where upstream's own query answers differently with the query plan or the rows' physical order.

    PostgreSQL returns the tied row it reads first: rows stored out of id order, a sequential or an index scan,
    statistics after ANALYZE each change it. MariaDB's sort with LIMIT 1 may take either end of a tie. The legacy
    state is the same through all of them. (ANALYZE TABLE commits on MariaDB: hence a TransactionTestCase.)
    """

    def setUp(self):
        fresh_heaps()
        f.course(COURSE)

    def _insert(self, rows):
        for row_id, choice in rows:
            insert_override(COURSE_TABLE, row_id, COURSE, choice, date=D2)

    def tearDown(self):
        with connection.cursor() as cursor:
            for statement in _PLAN_RESETS.get(VENDOR, ()):
                cursor.execute(statement)

    def _answers(self):
        """Return (upstream's answers, the legacy states, the plans' JSON) under each query plan, then ANALYZE."""
        answers, states, plans = set(), set(), set()
        for statement in (
            *_PLAN_SETTINGS.get(VENDOR, ()),
            _ANALYZE.get(VENDOR, "ANALYZE"),
            *_PLAN_RESETS.get(VENDOR, ()),
        ):
            with connection.cursor() as cursor:
                cursor.execute(statement)
            answers.add(upstream(COURSE))
            result = state()
            states.add(repr((known_values(result), result.ties)))
            plans.add(json.dumps(json_data(plan()), sort_keys=True))
        return answers, states, plans

    def _stored_out_of_order_then_in_order(self, rows):
        """Return _answers() for ``rows`` stored in the order given, then for the same rows stored in id order."""
        self._insert(rows)
        out_of_order = self._answers()
        fresh_heaps()
        WaffleFlagCourseOverrideModel.objects.all().delete()
        self._insert(sorted(rows))
        return out_of_order, self._answers()

    @ddt.data(*_OUT_OF_ORDER)
    @ddt.unpack
    def test_same_state_whatever_the_order_and_plan(self, rows, answer):
        (answers, states, plans), (in_order_answers, in_order_states, in_order_plans) = (
            self._stored_out_of_order_then_in_order(rows)
        )
        assert len(states | in_order_states) == 1
        assert len(plans | in_order_plans) == 1
        assert known_values(state()) == {COURSE: answer}
        # Every answer upstream gave is one the state allows.
        assert answers | in_order_answers <= set(possible(answer))

    def test_upstream_answers_differ_on_postgresql(self):
        if VENDOR != "postgresql":
            self.skipTest("PostgreSQL returns the tied row it reads first")
        (answers, states, _), (in_order_answers, in_order_states, _) = self._stored_out_of_order_then_in_order(
            [(9, "on"), (4, "off")]
        )
        # The row stored first answers, not the lowest id: prune then restore (rows back in id order) flips it.
        assert (answers, in_order_answers) == ({True}, {False})
        assert states == in_order_states
        assert known_values(state()) == {COURSE: Ambiguous((False, True))}


# Statements that change the query plan of upstream's query: it is asked under each of them, in turn.
_PLAN_SETTINGS = {
    "postgresql": ("SET enable_indexscan = off", "SET enable_bitmapscan = off", "SET enable_seqscan = off"),
    "mysql": (
        "SET SESSION optimizer_switch = 'index_condition_pushdown=off'",
        "SET SESSION optimizer_switch = 'rowid_filter=off'",
    ),
}
_PLAN_RESETS = {
    "postgresql": ("RESET enable_indexscan", "RESET enable_bitmapscan", "RESET enable_seqscan"),
    "mysql": ("SET SESSION optimizer_switch = 'default'",),
}
_ANALYZE = {"mysql": f"ANALYZE TABLE {COURSE_TABLE}", "postgresql": f"ANALYZE {COURSE_TABLE}"}


# ---------------------------------------------------------------------------------------------------------------------
# Keys compared by the database
# ---------------------------------------------------------------------------------------------------------------------


class KeyComparisonTest(TestCase):
    """Course ids and orgs match as the database compares them with the column's collation."""

    def test_course_override_in_another_case(self):
        f.course("course-v1:edX+Demo+1")
        course_rows((1, "course-v1:EDX+demo+1", "on"))
        assert known_values(state()) == {"course-v1:edX+Demo+1": True if COURSE_IDS_IGNORE_CASE else None}
        assert upstream("course-v1:edX+Demo+1") is (True if COURSE_IDS_IGNORE_CASE else None)

    def test_org_override_on_orga_for_courses_of_OrgA(self):
        for course_id in ("course-v1:OrgA+X+1", "course-v1:OrgA+Y+1", "course-v1:orga+Z+1"):
            f.course(course_id)
        org_rows((1, "orga", "on"))
        expected = True if ORGS_IGNORE_CASE else None
        assert known_values(state()) == {
            "course-v1:OrgA+X+1": expected,
            "course-v1:OrgA+Y+1": expected,
            "course-v1:orga+Z+1": True,
        }
        assert upstream("course-v1:OrgA+X+1") is expected

    def test_org_override_decides_the_plan_per_database(self):
        for course_id in ("course-v1:edX+Demo+1", "course-v1:MITx+B+1", "course-v1:MITx+C+1"):
            f.course(course_id)
        org_rows((1, "mitx", "on"))
        result = plan()
        if ORGS_IGNORE_CASE:
            assert result.decision.value is True
            assert [(item.key, item.legacy_value) for item in result.exceptions] == [("course-v1:edX+Demo+1", False)]
        else:
            assert (result.decision.value, result.exceptions) == (False, ())

    def test_newest_row_across_spellings(self):
        f.course("course-v1:edX+Demo+1")
        course_rows((1, "course-v1:edX+Demo+1", "on", {"date": D1}), (2, "course-v1:EDX+DEMO+1", "off", {"date": D2}))
        assert known_values(state()) == {"course-v1:edX+Demo+1": not COURSE_IDS_IGNORE_CASE}
        assert upstream("course-v1:edX+Demo+1") is (not COURSE_IDS_IGNORE_CASE)

    def test_tie_across_spellings(self):
        f.course("course-v1:edX+Demo+1")
        course_rows((1, "course-v1:EDX+DEMO+1", "off", {"date": D1}), (2, "course-v1:edX+Demo+1", "on", {"date": D1}))
        # Where the database compares the spellings equal, they tie and disagree.
        answer = Ambiguous((False, True)) if COURSE_IDS_IGNORE_CASE else True
        assert known_values(state()) == {"course-v1:edX+Demo+1": answer}
        assert upstream("course-v1:edX+Demo+1") in possible(answer)

    def test_org_of_a_deprecated_course_key(self):
        f.course("edX/Old/2014")
        org_rows((1, "EDX", "on"))
        assert known_values(state()) == {"edX/Old/2014": True if ORGS_IGNORE_CASE else None}


class KeyColumnsSortedApartTest(TransactionTestCase):
    """Known course ids in a column sorted apart from the overrides' (another collation) still find their overrides."""

    def setUp(self):
        binary = {"sqlite": "BINARY", "mysql": "utf8mb4_bin", "postgresql": "C"}[VENDOR]
        old = CourseOverview._meta.get_field("id")
        new = models.CharField(primary_key=True, max_length=255, db_collation=binary)
        new.set_attributes_from_name("id")
        new.model = CourseOverview
        with connection.schema_editor() as editor:
            editor.alter_field(CourseOverview, old, new)
        self.addCleanup(self._alter, new, old)

    @staticmethod
    def _alter(old, new):
        with connection.schema_editor() as editor:
            editor.alter_field(CourseOverview, old, new)

    def test_each_page_of_courses_finds_its_overrides(self):
        # The ids' order (B before a) is not the overrides' where these compare ignoring case.
        for course_id in ("course-v1:B+X+1", "course-v1:a+X+1"):
            f.course(course_id)
        course_rows((1, "course-v1:B+X+1", "on"), (2, "course-v1:a+X+1", "off"))
        with mock.patch.object(upstream_lookups, "PAGE", 1):
            assert known_values(state()) == {"course-v1:B+X+1": True, "course-v1:a+X+1": False}


class WithoutCourseDataTest(TestCase):
    """course_overviews not installed: the exceptions are the differing overrides, keys as stored."""

    def test_course_spellings_are_one_key_where_the_database_says_so(self):
        course_rows((1, "course-v1:edX+DemoX+1", "on", {"date": D1}), (2, "course-v1:EDX+DEMOX+1", "on", {"date": D2}))
        keys = [(item.scope, item.key) for item in plan(_WithoutCourses()).exceptions]
        if COURSE_IDS_IGNORE_CASE:
            assert keys == [("course", "course-v1:EDX+DEMOX+1")]
        else:
            assert keys == [("course", "course-v1:EDX+DEMOX+1"), ("course", "course-v1:edX+DemoX+1")]

    def test_org_spellings_are_one_key_where_the_database_says_so(self):
        org_rows((1, "OrgA", "on", {"date": D2}), (2, "orga", "on", {"date": D1}))
        keys = [(item.scope, item.key) for item in plan(_WithoutCourses()).exceptions]
        assert keys == ([("org", "OrgA")] if ORGS_IGNORE_CASE else [("org", "OrgA"), ("org", "orga")])

    def test_newest_disabled_spelling_unsets_the_key(self):
        org_rows((1, "OrgA", "on", {"date": D1}), (2, "ORGA", "on", {"date": D2, "enabled": False}))
        keys = [item.key for item in plan(_WithoutCourses()).exceptions]
        assert keys == ([] if ORGS_IGNORE_CASE else ["OrgA"])

    def test_malformed_ids_are_reported_not_exceptions(self):
        course_rows((1, "not a key", "on", {"date": D3}), (2, "", "on"), (3, "course-v1:edX+DemoX+1", "on"))
        result = plan(_WithoutCourses())
        assert [(row.table, row.id) for row in result.invalid_rows] == [(COURSE_TABLE, "1"), (COURSE_TABLE, "2")]
        assert [item.key for item in result.exceptions] == ["course-v1:edX+DemoX+1"]

    def test_other_flags_rows_do_not_count(self):
        course_rows((1, "course-v1:edX+DemoX+1", "on", {"name": "studio.other"}))
        org_rows((2, "edX", "on", {"name": "studio.other"}))
        assert not plan(_WithoutCourses()).exceptions


# ---------------------------------------------------------------------------------------------------------------------
# Property: every known course's legacy value follows an independent evaluation of the legacy flag on this database
# ---------------------------------------------------------------------------------------------------------------------

_DATES = (D1, D2, D3)
_COURSE_POOL = (
    "course-v1:edX+DemoX+1",
    "course-v1:EDX+demox+1",
    "course-v1:edx+DEMOX+1",
    "course-v1:edX+DemoX+2",
    "course-v1:MITx+6.002x+2024",
    "course-v1:mitx+6.002x+2024",
    "edX/DemoX/Demo_Course",
    "not a key",
)
_VALID_COURSES = (*(key for key in _COURSE_POOL if key != "not a key"), "course-v1:Other+X+1")
_ORG_POOL = ("edX", "EDX", "edx", "MITx", "mitx", "Other")
_GLOBALS = (None, True, False, "conditional")


def _fold(column):
    """The database's comparison of a key column, independently: the documented collation of each database."""
    if VENDOR == "mysql":
        return str.lower  # utf8mb4_unicode_ci, for these ASCII keys
    if VENDOR == "sqlite" and column == "course_id" and COURSE_IDS_IGNORE_CASE:  # CourseKeyField's NOCASE
        return lambda key: key.translate(str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz"))
    return lambda key: key


def _reference_newest(rows, column, key):
    """What the newest rows by change_date answer: each of them, when they tie (upstream may return any)."""
    fold = _fold(column)
    matching = [row for row in rows if fold(row[column]) == fold(key)]
    if not matching:
        return {None}
    newest = max(row["change_date"] for row in matching)
    return {
        (row["override_choice"] == "on") if row["enabled"] else None for row in matching if row["change_date"] == newest
    }


def _reference_legacy(course_id, course_rows_, org_rows_, global_raw):
    """Every value the legacy CourseWaffleFlag path could give, literally: course override, org override, global."""
    values = set()
    for course_value in _reference_newest(course_rows_, "course_id", course_id):
        if course_value is not None:
            values.add(course_value)
            continue
        for org_value in _reference_newest(org_rows_, "org", CourseKey.from_string(course_id).org):
            values.add(global_raw is True if org_value is None else org_value)
    return values


_entry = st.tuples(st.sampled_from(_DATES), st.booleans(), st.sampled_from(("on", "off")))


@st.composite
def _histories(draw):
    course_entries = draw(st.lists(st.tuples(st.sampled_from(_COURSE_POOL), _entry), max_size=10))
    org_entries = draw(st.lists(st.tuples(st.sampled_from(_ORG_POOL), _entry), max_size=6))
    count = len(course_entries) + len(org_entries)
    ids = draw(st.lists(st.integers(1, 60), min_size=count, max_size=count, unique=True))
    rows = [
        {"id": row_id, "key": key, "change_date": date, "enabled": enabled, "override_choice": choice}
        for row_id, (key, (date, enabled, choice)) in zip(ids, [*course_entries, *org_entries], strict=True)
    ]
    courses = [{**row, "course_id": row["key"]} for row in rows[: len(course_entries)]]
    orgs = [{**row, "org": row["key"]} for row in rows[len(course_entries) :]]
    return courses, orgs


@st.composite
def _known_courses(draw):
    """Known courses, distinct as the database's primary key compares them."""
    chosen = draw(st.lists(st.sampled_from(_VALID_COURSES), unique_by=_fold("course_id"), max_size=6))
    return chosen


class LegacyValuePropertyTest(HypothesisTestCase):
    """Every known course's legacy value matches an independent evaluation of the legacy flag on this database."""

    @given(histories=_histories(), known=_known_courses(), global_raw=st.sampled_from(_GLOBALS))
    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    def test_matches_reference(self, histories, known, global_raw):
        course_history, org_history = histories
        fresh_heaps()
        if global_raw is not None:
            f.flag(**({"staff": True} if global_raw == "conditional" else {"everyone": global_raw}))
        # In any order: a tie's answer does not depend on it.
        for row in [*course_history, *org_history]:
            table = COURSE_TABLE if "course_id" in row else ORG_TABLE
            insert_override(
                table, row["id"], row["key"], row["override_choice"], enabled=row["enabled"], date=row["change_date"]
            )
        for course_id in known:
            f.course(course_id)
        result = capture.compute_plan(f.context())
        exceptions = {item.key: item.legacy_value for item in result.exceptions}
        allowed = {key: _reference_legacy(key, course_history, org_history, global_raw) for key in known}
        expected = {key: values.pop() for key, values in allowed.items() if len(values) == 1}
        assert set(exceptions) <= set(expected)
        assert {key: exceptions.get(key, result.decision.value) for key in expected} == expected
        assert set(result.consequences.ambiguous) == set(known) - set(expected)
        assert result.legacy_values == {
            "true": sum(expected.values()),
            "false": len(expected) - sum(expected.values()),
            "ambiguous": len(known) - len(expected),
        }
        assert len(result.invalid_rows) == sum(1 for row in course_history if row["key"] == "not a key")
        # Read a page of one or two keys (or courses) at a time, the plan is the same, byte for byte.
        for page in (1, 2):
            with mock.patch.object(upstream_lookups, "PAGE", page):
                paged = capture.compute_plan(f.context())
            assert json.dumps(json_data(paged), sort_keys=True) == json.dumps(json_data(result), sort_keys=True)


@ddt.ddt
class CourseOrgTest(TestCase):
    """The org of a stored course id, read without parsing a plain one: what opaque-keys' parse gives."""

    @ddt.data(
        "course-v1:edX+DemoX+1",
        "course-v1:Org.a~b_c-d+C+2024_T1",
        "course-v1:MITx+6.002x+2024",
        "course-v1:edX+Demo+1+branch@draft",
        "course-v1:a:b+c+d",
        "edX/DemoX/Demo_Course",
        "course-v1:édX+Demo+1",
        "course-v1:edX+Demo",
        "not a key",
        "course-v1:edX+Demo+1\n",
        "",
    )
    def test_same_org_as_the_parse(self, raw):
        key, problem = parse_course_key(raw)
        assert course_org(raw) == ((None if key is None else key.org), problem)
