"""The stored tables' columns, from the models, and their codec: restore writes back what capture read, exactly."""

from django.apps import apps
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.test import TestCase

from tests import factories as f
from toggles_migration.state import capture, export, prune, restore, tables
from toggles_migration.state.context import make_context

# The state of migration 0002's apps before edx-platform added the course override's note (waffle_utils 0002).
BEFORE_NOTE = [
    ("waffle", "0004_update_everyone_nullbooleanfield"),
    ("waffle_utils", "0001_initial"),
    ("toggles_migration", "0001_initial"),
]

# Spellings other tools write into SQLite's text dates; Django itself writes "2024-03-01 12:00:00".
STORED_DATES = ("2024-03-01 12:00:00+00:00", "2024-03-02 08:30:00.250000", "2024-03-03T09:00:00Z")


class SqliteDateTextTest(TestCase):
    """On SQLite a date is text: restore writes back exactly the text that was captured."""

    def setUp(self):
        if connection.vendor != "sqlite":
            self.skipTest("SQLite stores dates as text")
        f.forget_captures()

    def _raw(self, sql):
        # CAST: Django's SQLite connection would parse a column declared datetime; the test reads the stored text.
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall()

    def test_override_dates_come_back_verbatim(self):
        f.flag(everyone=True)
        with connection.cursor() as cursor:
            for row_id, stored in enumerate(STORED_DATES, start=1):
                cursor.execute(
                    f"INSERT INTO {f.COURSE_TABLE} (id, change_date, enabled, waffle_flag, course_id, "
                    "override_choice, note) VALUES (%s, %s, 1, %s, %s, 'on', '')",
                    [row_id, stored, f.NAME, f"course-v1:edX+C{row_id}+1"],
                )
        before = self._raw(f"SELECT id, CAST(change_date AS TEXT) FROM {f.COURSE_TABLE} ORDER BY id")
        assert [text for _, text in before] == list(STORED_DATES)
        capture.capture(f.context())
        prune.prune(f.context())
        assert self._raw(f"SELECT id FROM {f.COURSE_TABLE}") == []
        restore.restore(f.context())
        assert self._raw(f"SELECT id, CAST(change_date AS TEXT) FROM {f.COURSE_TABLE} ORDER BY id") == before

    def _flag_dates(self, pk):
        return self._raw(f"SELECT CAST(created AS TEXT), CAST(modified AS TEXT) FROM waffle_flag WHERE id = {pk}")

    def test_flag_dates_come_back_verbatim(self):
        flag = f.flag(everyone=True)
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE waffle_flag SET created = %s, modified = %s WHERE id = %s",
                [STORED_DATES[0], STORED_DATES[1], flag.pk],
            )
        before = self._flag_dates(flag.pk)
        capture.capture(f.context())
        prune.prune(f.context())
        restore.restore(f.context())
        assert self._flag_dates(flag.pk) == before
        assert before == [(STORED_DATES[0], STORED_DATES[1])]

    def test_the_capture_holds_the_stored_text(self):
        f.flag(everyone=True)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {f.ORG_TABLE} (id, change_date, enabled, waffle_flag, org, override_choice, note) "
                "VALUES (7, %s, 1, %s, 'edX', 'off', '')",
                [STORED_DATES[0], f.NAME],
            )
        capture.capture(f.context())
        assert export.export(f.context()).rows[f.ORG_TABLE][0]["change_date"] == STORED_DATES[0]


class ColumnsTest(TestCase):
    """The columns are the models' (historical in a migration): a capture holds every column of each table."""

    def setUp(self):
        f.forget_captures()

    def test_a_capture_holds_every_column_of_each_table(self):
        f.seed_full_state()
        capture.capture(f.context())
        rows = export.export(f.context()).rows
        with connection.cursor() as cursor:
            for spec in tables.FLAG_TABLES:
                described = connection.introspection.get_table_description(cursor, spec.table)
                assert {column.name for column in described} == set(rows[spec.table][0]), spec.table

    def test_the_kinds_of_the_columns_come_from_their_fields(self):
        model = tables.get_model(apps, tables.COURSE_OVERRIDES)
        assert [(name, kind) for name, kind, _ in tables.columns(model)] == [
            ("id", tables.INT),
            ("change_date", tables.DATETIME),
            ("changed_by_id", tables.INT),
            ("enabled", tables.BOOL),
            ("waffle_flag", tables.TEXT),
            ("course_id", tables.RAW_KEY),
            ("override_choice", tables.TEXT),
            ("note", tables.TEXT),
        ]

    def test_a_historical_model_without_a_later_column_captures_without_it(self):
        f.flag(everyone=True)
        f.course_override("course-v1:edX+Early+1")
        historical = MigrationLoader(connection).project_state(BEFORE_NOTE).apps
        capture.capture(make_context(historical, f.NAME))
        assert "note" not in export.export(f.context()).rows[f.COURSE_TABLE][0]

    def test_a_column_added_since_the_capture_is_compared_and_restored_as_its_default(self):
        f.flag(everyone=True)
        f.course_override("course-v1:edX+Early+1")
        before = f.snapshot()
        historical = MigrationLoader(connection).project_state(BEFORE_NOTE).apps
        capture.capture(make_context(historical, f.NAME))
        prune.prune(f.context())  # the live note is the default: not a change since the capture
        assert f.snapshot()[f.COURSE_TABLE] == ()
        restore.restore(f.context())
        assert f.snapshot() == before

    def test_a_later_column_that_differs_from_its_default_refuses_the_prune(self):
        f.flag(everyone=True)
        f.course_override("course-v1:edX+Early+1", note="kept since")
        historical = MigrationLoader(connection).project_state(BEFORE_NOTE).apps
        capture.capture(make_context(historical, f.NAME))
        with self.assertRaises(prune.ActionRefused) as refused:
            prune.prune(f.context())
        assert str(refused.exception) == (
            f"The stored rows of {f.NAME} changed since they were captured ({f.COURSE_TABLE}: 0 added, 1 changed, 0 "
            "removed). Run `retire_toggle plan` to review, then `retire_toggle prune --refresh` to capture them again."
        )
