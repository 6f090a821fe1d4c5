"""The codec of stored rows: what capture reads is what restore writes back, byte for byte."""

from django.db import connection
from django.test import TestCase

from tests import factories as f
from toggles_migration.state import capture, export, prune, restore

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
