"""The actions behind migration 0002 and ``retire_toggle``: capture, plan, verify, prune, restore, export."""
# pylint: disable=protected-access  # white-box tests of the write helpers, wrapped to inject failures

import json
import random
from dataclasses import replace
from datetime import timedelta
from io import StringIO
from unittest import mock

import ddt
import pytest
import waffle  # pylint: disable=invalid-django-waffle-import  # django-waffle's own read path is under test
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import RequestFactory, TestCase, TransactionTestCase, override_settings
from django.test.utils import CaptureQueriesContext
from opaque_keys.edx.keys import CourseKey
from waffle.models import Flag

from test_utils.waffle_utils.models import WaffleFlagCourseOverrideModel, WaffleFlagOrgOverrideModel
from tests import factories as f
from tests.factories import export_json
from toggles_migration.management import plan_text
from toggles_migration.models import Capture, CapturedRow, PlanPiece
from toggles_migration.plan import json_data
from toggles_migration.state import (
    capture,
    context,
    export,
    prune,
    restore,
    stored_plan,
    streams,
    tables,
    upstream_lookups,
)
from toggles_migration.state.capture import CaptureReport
from toggles_migration.state.context import CapturedDecision, Unresolved

User = get_user_model()

NAME = f.NAME
FLAG_TABLE = tables.FLAG.table
USERS_TABLE = tables.FLAG_USERS.table
GROUPS_TABLE = tables.FLAG_GROUPS.table
COURSE_TABLE = tables.COURSE_OVERRIDES.table
ORG_TABLE = tables.ORG_OVERRIDES.table
SEEDED_COUNTS = {FLAG_TABLE: 1, USERS_TABLE: 1, GROUPS_TABLE: 1, COURSE_TABLE: 3, ORG_TABLE: 2}


def _non_empty(rows):
    return {table: list(items) for table, items in rows.items() if items}


def _signed_in_request(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


# waffle.flag_is_active on the retired flag is answered the legacy way, without a RetiredToggleWarning.
SILENT_READS = override_settings(TOGGLES_MIGRATION={"READS": "silent"})


class ActionTestCase(TestCase):
    """Starts without any capture (the test database holds the one migration 0002 took) and a cold cache."""

    def setUp(self):
        super().setUp()
        cache.clear()
        f.forget_captures()


class CaptureTest(ActionTestCase):
    """capture() snapshots every row of the flag, once."""

    def test_capture_stores_every_row_of_the_flag(self):
        f.seed_full_state()
        before = f.snapshot()
        assert capture.capture(f.context()).created
        assert export.export(f.context()).rows == _non_empty(before)

    def test_capture_includes_links_history_and_disabled_rows(self):
        f.seed_full_state()
        capture.capture(f.context())
        rows = export.export(f.context()).rows
        assert {table: len(items) for table, items in rows.items()} == SEEDED_COUNTS
        assert [row["enabled"] for row in rows[COURSE_TABLE]] == [True, True, False]

    def test_capture_stores_nothing_of_other_flags(self):
        seeded = f.seed_full_state()
        capture.capture(f.context())
        rows = export.export(f.context()).rows
        assert [row["name"] for row in rows[FLAG_TABLE]] == [NAME]
        assert {row["flag_id"] for row in rows[USERS_TABLE] + rows[GROUPS_TABLE]} == {seeded["flag"].pk}
        assert {row["waffle_flag"] for row in rows[COURSE_TABLE] + rows[ORG_TABLE]} == {NAME}

    def test_capture_records_row_count_and_decision(self):
        f.seed_full_state()
        plan = capture.capture(f.context()).plan
        header = context.get_capture(f.context())
        assert header.row_count == sum(SEEDED_COUNTS.values())
        assert header.decision_value == plan.decision.value
        assert header.decision_status == plan.decision.status
        assert stored_plan.whole(PlanPiece.objects, header) == json_data(plan)

    def test_export_returns_state_decision_and_plan(self):
        f.seed_full_state()
        plan = capture.capture(f.context()).plan
        exported = export.export(f.context())
        assert exported.toggle == NAME
        assert exported.state == "captured"
        assert exported.pruned_at is None
        assert exported.decision == CapturedDecision(value=plan.decision.value, status=plan.decision.status)
        assert exported.plan == json_data(plan)

    def test_export_refused_when_not_captured(self):
        with pytest.raises(context.ActionRefused, match="not captured"):
            export.export(f.context())

    def test_capture_twice_is_idempotent(self):
        f.seed_full_state()
        capture.capture(f.context())
        first = context.get_capture(f.context())
        stored = CapturedRow.objects.count()
        assert capture.capture(f.context()) == CaptureReport(toggle=NAME, plan=None)
        assert context.get_capture(f.context()).pk == first.pk
        assert Capture.objects.count() == 1
        assert CapturedRow.objects.count() == stored

    def test_second_capture_keeps_the_first_snapshot(self):
        f.seed_full_state()
        capture.capture(f.context())
        exported = export.export(f.context())
        f.course_override("course-v1:edX+Later+1")
        capture.capture(f.context())
        assert export.export(f.context()).rows == exported.rows

    def test_refresh_replaces_the_snapshot(self):
        f.seed_full_state()
        capture.capture(f.context())
        f.course_override("course-v1:edX+Later+1")
        assert capture.capture(f.context(), refresh=True).created
        assert Capture.objects.count() == 1
        assert context.get_capture(f.context()).row_count == sum(SEEDED_COUNTS.values()) + 1
        assert export.export(f.context()).rows == _non_empty(f.snapshot())

    def test_refused_when_a_row_is_added_while_capturing(self):
        f.seed_full_state()
        original = capture.compute_plan

        def insert_then_plan(ctx, stored=None):
            f.course_override("course-v1:edX+During+1")  # after the locked copy, before the plan's read
            return original(ctx, stored)

        with (
            mock.patch("toggles_migration.state.capture.compute_plan", insert_then_plan),
            pytest.raises(context.ActionRefused) as caught,
        ):
            capture.capture(f.context())
        assert str(caught.value) == (
            f"Rows of {NAME} were added to {COURSE_TABLE} while it was being captured: nothing was captured by "
            "this run. Run it again."
        )
        assert not Capture.objects.exists()

    def test_refresh_refused_when_pruned(self):
        f.seed_full_state()
        capture.capture(f.context())
        prune.prune(f.context())
        with pytest.raises(context.ActionRefused, match="pruned"):
            capture.capture(f.context(), refresh=True)
        assert Capture.objects.get().state == "pruned"


class QueryCountTest(ActionTestCase):
    """Reads cost a constant number of queries, whatever the row count."""

    def _seed(self):
        author = f.user()
        f.flag(users=[author], groups=[f.group()], everyone=None)
        f.org_override("BulkX", "on")
        f.course("course-v1:BulkX+C1+1")

    def _plan_queries(self):
        with CaptureQueriesContext(connection) as queries:
            capture.compute_plan(f.context())
        return len(queries)

    def _capture_reads(self):
        f.forget_captures()
        with CaptureQueriesContext(connection) as queries:
            capture.capture(f.context())
        return len([query for query in queries.captured_queries if not query["sql"].lstrip().startswith("INSERT")])

    def test_compute_plan_queries_grow_by_pages_not_rows(self):
        self._seed()
        f.bulk_course_overrides(10)
        few = self._plan_queries()
        f.bulk_course_overrides(9990, org="MoreX")
        assert WaffleFlagCourseOverrideModel.objects.filter(waffle_flag=NAME).count() == 10000
        # Per page of 2,000 rows: one query for the rows whose course id does not parse, two for the keys' newest rows.
        assert self._plan_queries() == few + 3 * (10000 // upstream_lookups.PAGE)

    def test_capture_reads_grow_by_pages_not_rows(self):
        self._seed()
        f.bulk_course_overrides(10)
        few = self._capture_reads()
        f.bulk_course_overrides(2490, org="MoreX")
        # The locked copy reads the rows a page at a time; the plan reads a page of rows, and of keys, per query.
        assert self._capture_reads() == few + 2500 // streams.PAGE + 3 * (2500 // upstream_lookups.PAGE)
        assert Capture.objects.get().row_count == 2500 + 4


@ddt.ddt
class MalformedCourseIdTest(ActionTestCase):
    """Malformed course ids stored in the override table are reported and kept, never a crash."""

    def _seed(self, raw):
        f.flag(everyone=False)
        f.course("course-v1:edX+Demo+1")
        f.course_override("course-v1:edX+Demo+1", "on")
        bad = f.course_override("course-v1:edX+Placeholder+1", "on")
        f.set_raw_course_id(bad.pk, raw)
        return bad

    @ddt.data("not a key", "", "course-v1:edX+OnlyTwo", "edX/Demo")
    def test_malformed_ids_are_reported_in_invalid_rows(self, raw):
        bad = self._seed(raw)
        plan = json_data(capture.compute_plan(f.context()))
        assert [(item["table"], item["id"]) for item in plan["invalid_rows"]] == [(COURSE_TABLE, str(bad.pk))]

    @ddt.data("not a key", "", "course-v1:edX+OnlyTwo", "edX/Demo")
    def test_malformed_ids_are_captured_verbatim(self, raw):
        bad = self._seed(raw)
        assert len(capture.capture(f.context()).plan.invalid_rows) == 1
        captured = {row["id"]: row["course_id"] for row in export.export(f.context()).rows[COURSE_TABLE]}
        assert captured[bad.pk] == raw

    @ddt.data("not a key", "", "course-v1:edX+OnlyTwo", "edX/Demo")
    def test_malformed_ids_survive_prune_and_restore_verbatim(self, raw):
        self._seed(raw)
        before = f.raw_course_ids()
        capture.capture(f.context())
        prune.prune(f.context())
        assert not f.raw_course_ids()
        restore.restore(f.context())
        assert f.raw_course_ids() == before

    def test_malformed_ids_do_not_change_the_valid_courses_values(self):
        self._seed("not a key")
        plan = json_data(capture.compute_plan(f.context()))
        assert plan["legacy_values"] == {"true": 1, "false": 0, "ambiguous": 0}
        assert plan["decision"]["value"] is True


@ddt.ddt
class KnownCoursesTest(ActionTestCase):
    """Known courses: proctored on a legacy backend, a NULL provider meaning the DEFAULT backend."""

    @ddt.data(
        ({"DEFAULT": "null", "null": {}}, "proctortrack", True, 1),
        ({"DEFAULT": "null", "null": {}}, "proctortrack", False, 0),
        ({"DEFAULT": "null", "null": {}}, None, True, 0),
        ({"DEFAULT": "null", "null": {}}, "other", True, 0),
        (f.PROCTORTRACK_FALSE, None, True, 1),
    )
    @ddt.unpack
    def test_known_courses(self, backends, provider, proctored, known):
        f.course("course-v1:edX+Demo+1", provider=provider, proctored=proctored)
        with override_settings(PROCTORING_BACKENDS=backends):
            plan = json_data(capture.compute_plan(f.context()))
        assert plan["known_courses"] == known


@ddt.ddt
class VerifyTest(ActionTestCase):
    """verify() compares the effective settings with the captured decision."""

    def test_nothing_captured_exits_2(self):
        report = capture.verify(f.context())
        assert report.exit_code == 2
        assert report.state == context.NOT_CAPTURED

    @ddt.data(f.PROCTORTRACK_FALSE, {"DEFAULT": "null", "null": {}})
    def test_agreeing_settings_exit_0(self, backends):
        capture.capture(f.context())  # no stored state: the decision is False
        with override_settings(PROCTORING_BACKENDS=backends):
            report = capture.verify(f.context())
        assert report.exit_code == 0
        assert report.agrees is True

    def test_disagreeing_settings_exit_1_with_snippet(self):
        capture.capture(f.context())
        with override_settings(PROCTORING_BACKENDS=f.PROCTORTRACK_TRUE):
            report = capture.verify(f.context())
        assert report.exit_code == 1
        assert report.agrees is False
        assert report.snippet["proctortrack"]["show_review_rules"] is False

    def test_verify_uses_the_captured_decision_not_live_rows(self):
        capture.capture(f.context())
        f.flag(everyone=True)
        with override_settings(PROCTORING_BACKENDS=f.PROCTORTRACK_FALSE):
            assert capture.verify(f.context()).exit_code == 0


@ddt.ddt
@SILENT_READS
class PruneTest(ActionTestCase):
    """prune() deletes the flag's rows only when they are captured and unchanged."""

    def test_refused_when_not_captured(self):
        f.seed_full_state()
        with pytest.raises(context.ActionRefused, match="not captured"):
            prune.prune(f.context())
        assert f.row_total() == sum(SEEDED_COUNTS.values())

    @ddt.data(
        (COURSE_TABLE, lambda seeded: f.course_override("course-v1:edX+Later+1")),
        (ORG_TABLE, lambda seeded: f.org_override("LaterX")),
        (USERS_TABLE, lambda seeded: seeded["flag"].users.add(f.user())),
        (FLAG_TABLE, lambda seeded: Flag.objects.filter(name=NAME).update(everyone=True)),
        (COURSE_TABLE, lambda seeded: WaffleFlagCourseOverrideModel.objects.filter(waffle_flag=NAME).delete()),
    )
    @ddt.unpack
    def test_refused_when_rows_changed_since_capture(self, table, change):
        seeded = f.seed_full_state()
        capture.capture(f.context())
        change(seeded)
        before = f.snapshot()
        with pytest.raises(context.ActionRefused) as caught:
            prune.prune(f.context())
        assert f"{table}: " in str(caught.value)
        assert f.snapshot() == before
        assert Capture.objects.get().state == "captured"

    def test_refresh_recaptures_then_prunes(self):
        f.seed_full_state()
        capture.capture(f.context())
        f.course_override("course-v1:edX+Later+1")
        expected = _non_empty(f.snapshot())
        report = prune.prune(f.context(), refresh=True)
        assert report.deleted[COURSE_TABLE] == SEEDED_COUNTS[COURSE_TABLE] + 1
        assert f.row_total() == 0
        assert export.export(f.context()).rows == expected

    def test_refresh_captures_first_when_not_captured(self):
        f.seed_full_state()
        expected = _non_empty(f.snapshot())
        prune.prune(f.context(), refresh=True)
        assert f.row_total() == 0
        assert export.export(f.context()).rows == expected

    def test_dry_run_deletes_nothing_and_reports_counts(self):
        f.seed_full_state()
        capture.capture(f.context())
        before = f.snapshot()
        report = prune.prune(f.context(), dry_run=True)
        assert report.dry_run is True
        assert report.deleted == SEEDED_COUNTS
        assert f.snapshot() == before
        assert Capture.objects.get().state == "captured"

    def test_prune_deletes_the_flags_rows_only(self):
        f.seed_full_state()
        other_before = f.snapshot(f.OTHER)
        capture.capture(f.context())
        report = prune.prune(f.context())
        assert report.deleted == SEEDED_COUNTS
        assert f.row_total() == 0
        assert f.snapshot(f.OTHER) == other_before
        assert Capture.objects.get().state == "pruned"

    def test_prune_keeps_users_groups_and_authors(self):
        seeded = f.seed_full_state()
        capture.capture(f.context())
        prune.prune(f.context())
        assert User.objects.filter(pk__in=[seeded["author"].pk, seeded["linked"].pk]).count() == 2
        assert Group.objects.filter(pk=seeded["group"].pk).exists()

    def test_refused_when_a_row_is_inserted_while_deleting(self):
        f.seed_full_state()
        capture.capture(f.context())
        before = f.snapshot()
        original = prune._delete_ids

        def delete_while_another_inserts(ctx, spec, ids):
            if spec.table == COURSE_TABLE:
                f.course_override("course-v1:edX+During+1")
            return original(ctx, spec, ids)

        with (
            mock.patch("toggles_migration.state.prune._delete_ids", delete_while_another_inserts),
            pytest.raises(context.ActionRefused) as caught,
        ):
            prune.prune(f.context())
        assert str(caught.value).startswith(f"{COURSE_TABLE} rows of {NAME} changed while it was being pruned (ids [")
        assert f.snapshot() == before
        assert Capture.objects.get().state == "captured"

    def test_prune_twice_is_a_no_op(self):
        f.seed_full_state()
        capture.capture(f.context())
        prune.prune(f.context())
        assert prune.prune(f.context()).note == "already pruned"


class RestoreTest(ActionTestCase):
    """restore() recreates exactly the captured rows that are missing."""

    def _prune(self):
        capture.capture(f.context())
        prune.prune(f.context())

    def test_prune_then_restore_leaves_every_table_identical(self):
        f.seed_full_state()
        before = f.snapshot()
        self._prune()
        report = restore.restore(f.context())
        assert report.restored == SEEDED_COUNTS
        assert report.unresolved == ()
        assert f.snapshot() == before

    def test_restore_recreates_the_same_ids(self):
        f.seed_full_state()
        ids = {table: [row["id"] for row in rows] for table, rows in f.snapshot().items()}
        self._prune()
        restore.restore(f.context())
        assert {table: [row["id"] for row in rows] for table, rows in f.snapshot().items()} == ids

    def test_restore_marks_the_capture_captured_again(self):
        f.seed_full_state()
        self._prune()
        restore.restore(f.context())
        header = Capture.objects.get()
        assert (header.state, header.pruned_at) == ("captured", None)

    def test_stays_pruned_when_a_row_is_added_while_restoring(self):
        f.seed_full_state()
        self._prune()
        original = restore._insert_rows

        def insert_while_another_inserts(ctx, spec, model, rows):
            original(ctx, spec, model, rows)
            if spec.table == ORG_TABLE:
                f.org_override("DuringX")

        with (
            mock.patch("toggles_migration.state.restore._insert_rows", insert_while_another_inserts),
            pytest.raises(context.ActionRefused) as caught,
        ):
            restore.restore(f.context())
        assert str(caught.value) == (
            f"{ORG_TABLE} rows of {NAME} changed while it was being restored: nothing was restored. Run "
            "`retire_toggle restore --dry-run` to review, then run it again."
        )
        assert f.row_total() == 0
        assert Capture.objects.get().state == "pruned"

    def test_restore_refused_when_not_captured(self):
        with pytest.raises(context.ActionRefused, match="nothing to restore"):
            restore.restore(f.context())

    def test_dry_run_inserts_nothing(self):
        f.seed_full_state()
        self._prune()
        report = restore.restore(f.context(), dry_run=True)
        assert report.restored == SEEDED_COUNTS
        assert f.row_total() == 0
        assert Capture.objects.get().state == "pruned"

    def test_a_captured_reference_that_is_not_an_id_is_refused(self):
        f.seed_full_state()
        self._prune()
        row = CapturedRow.objects.get(table=USERS_TABLE)
        row.data = {**row.data, "user_id": "7"}
        row.save()
        with pytest.raises(context.ActionRefused) as caught:
            restore.restore(f.context())
        assert str(caught.value) == (
            "A captured row's user_id is a str, not an id: the capture was changed outside retire_toggle, and nothing "
            "was restored. `retire_toggle export` shows the captured rows to repair."
        )
        assert f.snapshot()[USERS_TABLE] == ()

    def test_deleted_user_link_is_reported_not_invented(self):
        seeded = f.seed_full_state()
        before = f.snapshot()
        link_id, user_id = before[USERS_TABLE][0]["id"], seeded["linked"].pk
        self._prune()
        seeded["linked"].delete()
        report = restore.restore(f.context())
        assert report.unresolved == (Unresolved(table=USERS_TABLE, column="user_id", id=link_id, missing=user_id),)
        assert f.snapshot()[USERS_TABLE] == ()
        assert {**f.snapshot(), USERS_TABLE: ()} == {**before, USERS_TABLE: ()}

    def test_dry_run_counts_what_the_restore_inserts(self):
        seeded = f.seed_full_state()
        self._prune()
        seeded["linked"].delete()
        dry = restore.restore(f.context(), dry_run=True)
        assert dry == replace(restore.restore(f.context()), dry_run=True)
        assert USERS_TABLE not in dry.restored

    def test_deleted_author_is_restored_as_null(self):
        seeded = f.seed_full_state()
        before = f.snapshot()
        self._prune()
        seeded["author"].delete()
        report = restore.restore(f.context())
        authored = {
            (table, row["id"]) for table in (COURSE_TABLE, ORG_TABLE) for row in before[table] if row["changed_by_id"]
        }
        assert {(item.table, item.id) for item in report.unresolved} == authored
        expected = {
            table: tuple({**row, "changed_by_id": None} if "changed_by_id" in row else row for row in rows)
            for table, rows in before.items()
        }
        assert f.snapshot() == expected

    def test_refused_when_a_row_of_the_flag_with_a_captured_id_differs(self):
        f.seed_full_state()
        row_id = f.snapshot()[COURSE_TABLE][0]["id"]
        self._prune()
        WaffleFlagCourseOverrideModel.objects.create(
            id=row_id, waffle_flag=NAME, course_id=CourseKey.from_string("course-v1:edX+Other+9"), enabled=True
        )
        with pytest.raises(context.ActionRefused, match=COURSE_TABLE):
            restore.restore(f.context())
        assert f.row_total() == 1

    def test_refused_when_the_flag_was_created_again(self):
        f.seed_full_state()
        self._prune()
        f.flag(everyone=True)
        with pytest.raises(context.ActionRefused, match=FLAG_TABLE):
            restore.restore(f.context())

    def test_refused_when_the_flag_id_belongs_to_another_flag(self):
        seeded = f.seed_full_state()
        self._prune()
        Flag.objects.create(id=seeded["flag"].pk, name="studio.newcomer")
        with pytest.raises(context.ActionRefused, match="another flag"):
            restore.restore(f.context())

    def test_refused_when_an_override_id_belongs_to_another_flag(self):
        f.seed_full_state()
        row_id = f.snapshot()[ORG_TABLE][0]["id"]
        self._prune()
        WaffleFlagOrgOverrideModel.objects.create(id=row_id, waffle_flag="studio.newcomer", org="edX")
        with pytest.raises(context.ActionRefused):
            restore.restore(f.context())

    def test_refused_when_a_link_id_belongs_to_another_flag(self):
        seeded = f.seed_full_state()
        link_id = f.snapshot()[USERS_TABLE][0]["id"]
        self._prune()
        through = Flag.users.through
        through.objects.filter(flag=seeded["other_flag"]).delete()
        through.objects.create(id=link_id, flag=seeded["other_flag"], user=seeded["outsider"])
        with pytest.raises(context.ActionRefused):
            restore.restore(f.context())

    def test_new_rows_can_be_created_after_restore(self):
        f.seed_full_state()
        captured = f.snapshot()
        self._prune()
        if connection.vendor == "postgresql":
            # A sequence behind the captured ids (e.g. a database restored from an older dump) must be reset.
            with connection.cursor() as cursor:
                for table, rows in captured.items():
                    cursor.execute(
                        "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, false)",
                        [table, min(row["id"] for row in rows)],
                    )
        restore.restore(f.context())
        newcomer = f.flag("studio.newcomer", users=[f.user()], groups=[f.group()])
        restored = Flag.objects.get(name=NAME)
        restored.users.add(f.user())
        restored.groups.add(f.group())
        f.course_override("course-v1:edX+New+1")
        f.org_override("NewX")
        assert newcomer.pk > max(row["id"] for row in captured[FLAG_TABLE])
        assert f.row_total() == sum(SEEDED_COUNTS.values()) + 4


class AtomicityTest(TransactionTestCase):
    """A failure in the middle of an action leaves nothing half-written (real transactions)."""

    def setUp(self):
        super().setUp()
        cache.clear()
        f.forget_captures()
        f.seed_full_state()

    def test_failed_capture_stores_nothing(self):
        original = capture.compute_plan

        def plan_after_rows_stored(ctx, *args):
            assert CapturedRow.objects.count() == f.row_total()  # the rows are written: the plan comes next
            original(ctx, *args)
            raise RuntimeError("injected")

        with (
            mock.patch("toggles_migration.state.capture.compute_plan", plan_after_rows_stored),
            pytest.raises(RuntimeError, match="injected"),
        ):
            capture.capture(f.context())
        assert not Capture.objects.exists()
        assert not CapturedRow.objects.exists()

    def test_failed_refresh_keeps_the_previous_capture(self):
        capture.capture(f.context())
        exported = export.export(f.context())
        f.course_override("course-v1:edX+Later+1")
        with (
            mock.patch("toggles_migration.state.capture.compute_plan", side_effect=RuntimeError("injected")),
            pytest.raises(RuntimeError, match="injected"),
        ):
            capture.capture(f.context(), refresh=True)
        assert export.export(f.context()) == exported

    def test_failed_prune_deletes_nothing(self):
        original = prune._delete_ids
        calls = []

        def delete_first_table_then_fail(ctx, spec, ids):
            calls.append(spec.table)
            if len(calls) > 1:
                raise RuntimeError("injected")
            return original(ctx, spec, ids)

        capture.capture(f.context())
        before = f.snapshot()
        with (
            mock.patch("toggles_migration.state.prune._delete_ids", delete_first_table_then_fail),
            pytest.raises(RuntimeError, match="injected"),
        ):
            prune.prune(f.context())
        assert len(calls) == 2
        assert f.snapshot() == before
        assert Capture.objects.get().state == "captured"

    def test_failed_restore_inserts_nothing(self):
        original = restore._insert_rows
        calls = []

        def insert_first_table_then_fail(ctx, spec, model, rows):
            calls.append(spec.table)
            if len(calls) > 1:
                raise RuntimeError("injected")
            original(ctx, spec, model, rows)

        before = f.snapshot()
        capture.capture(f.context())
        prune.prune(f.context())
        with (
            mock.patch("toggles_migration.state.restore._insert_rows", insert_first_table_then_fail),
            pytest.raises(RuntimeError, match="injected"),
        ):
            restore.restore(f.context())
        assert calls[0] == FLAG_TABLE
        assert f.row_total() == 0
        assert Capture.objects.get().state == "pruned"
        restore.restore(f.context())
        assert f.snapshot() == before


SECRET = "s3cr3t-0f-the-backend"
BACKENDS_WITH_SECRET = {
    "DEFAULT": "proctortrack",
    "proctortrack": {"client_id": "id-of-the-backend", "client_secret": SECRET, "show_review_rules": True},
}


class PlanJsonTest(ActionTestCase):
    """The plan as JSON: its keys, its stability, and no backend credential in it."""

    def test_plan_dict_has_the_documented_keys(self):
        f.seed_full_state()
        f.course("course-v1:edX+Demo+1")
        f.course("course-v1:MITx+Plain+1")
        f.course("course-v1:edX+Other+1")  # the org override: the only course that saw True
        plan = json_data(capture.compute_plan(f.context()))
        expected = {
            "toggle", "option", "backends", "global_value", "decision", "exceptions", "invalid_rows",
            "effective_setting", "agrees", "snippet",
        }  # fmt: skip
        assert expected <= set(plan)
        assert {"value", "status", "reason"} <= set(plan["decision"])
        assert plan["exceptions"]
        assert all({"scope", "key", "legacy_value"} <= set(item) for item in plan["exceptions"])
        assert (plan["toggle"], plan["option"], plan["backends"]) == (NAME, "show_review_rules", ["proctortrack"])

    def test_plan_dict_is_json_serialisable(self):
        f.seed_full_state()
        plan = json_data(capture.compute_plan(f.context()))
        assert json.loads(json.dumps(plan)) == plan

    def _plan_json(self):
        out = StringIO()
        call_command("retire_toggle", "plan", "--format", "json", stdout=out)
        return out.getvalue()

    @override_settings(PROCTORING_BACKENDS=BACKENDS_WITH_SECRET)
    def test_plan_json_is_byte_identical_across_runs(self):
        f.seed_full_state()
        f.course("course-v1:edX+Demo+1")
        f.course("course-v1:MITx+Plain+1")
        first = self._plan_json()
        cache.clear()
        assert self._plan_json() == first
        json.loads(first)

    @override_settings(PROCTORING_BACKENDS=BACKENDS_WITH_SECRET)
    def test_plan_json_never_contains_the_client_secret(self):
        f.seed_full_state()
        assert SECRET not in self._plan_json()

    @override_settings(PROCTORING_BACKENDS=BACKENDS_WITH_SECRET)
    def test_capture_and_export_never_contain_the_client_secret(self):
        f.seed_full_state()
        capture.capture(f.context())
        out = StringIO()
        call_command("retire_toggle", "export", stdout=out)
        assert SECRET not in json.dumps(export.export(f.context()).plan)
        assert SECRET not in out.getvalue()


@ddt.ddt
class CommandTest(ActionTestCase):
    """``retire_toggle`` runs the same actions, with exit codes and errors for scripts."""

    def _call(self, *args):
        out = StringIO()
        call_command("retire_toggle", *args, stdout=out)
        return out.getvalue()

    def test_verify_exits_2_when_nothing_captured(self):
        with pytest.raises(CommandError) as caught:
            self._call("verify")
        assert caught.value.returncode == 2

    @ddt.data((f.PROCTORTRACK_FALSE, 0), (f.PROCTORTRACK_TRUE, 1))
    @ddt.unpack
    def test_verify_exit_code(self, backends, code):
        capture.capture(f.context())
        with override_settings(PROCTORING_BACKENDS=backends):
            if code:
                with pytest.raises(CommandError) as caught:
                    self._call("verify")
                assert caught.value.returncode == code
            else:
                assert "OK" in self._call("verify")

    def test_verify_prints_the_snippet_when_settings_disagree(self):
        capture.capture(f.context())
        with override_settings(PROCTORING_BACKENDS=f.PROCTORTRACK_TRUE):
            report = capture.verify(f.context())
            out = StringIO()
            with pytest.raises(CommandError, match="disagrees"):
                call_command("retire_toggle", "verify", stdout=out)
        lines = plan_text.snippet_lines(report.snippet)
        assert lines
        assert all(line in out.getvalue() for line in lines)

    def test_prune_without_capture_raises_command_error(self):
        f.seed_full_state()
        with pytest.raises(CommandError, match="not captured"):
            self._call("prune")
        assert f.row_total() == sum(SEEDED_COUNTS.values())

    def test_list_shows_state_transitions(self):
        f.seed_full_state()

        def state():
            return json.loads(self._call("list", "--format", "json"))["retirements"][0]["state"]

        assert state() == "not captured"
        capture.capture(f.context())
        assert state() == "captured"
        self._call("prune")
        assert state() == "pruned"
        self._call("restore")
        assert state() == "captured"

    @ddt.data(("true", True), ("false", False))
    @ddt.unpack
    def test_plan_value_sets_an_operator_decision(self, option, value):
        f.seed_full_state()
        plan = json.loads(self._call("plan", "--value", option, "--format", "json"))
        assert plan["decision"]["source"] == "operator"
        assert plan["decision"]["value"] is value

    def test_plan_writes_nothing(self):
        f.seed_full_state()
        before = f.snapshot()
        self._call("plan")
        assert not Capture.objects.exists()
        assert f.snapshot() == before


def _reference_values(course_id, request):
    """
    Every value the legacy CourseWaffleFlag code path could give, read straight from the tables: course, org, global.

    Where a level's newest rows share their change_date, upstream's query returns any of them: each counts.
    """
    key = CourseKey.from_string(course_id)
    levels = []
    for model, lookup in (
        (WaffleFlagCourseOverrideModel, {"course_id": key}),
        (WaffleFlagOrgOverrideModel, {"org": key.org}),
    ):
        rows = model.objects.filter(waffle_flag=NAME, **lookup)
        newest = rows.order_by("-change_date").first()
        tied = rows.filter(change_date=newest.change_date) if newest is not None else []
        levels.append({row.override_choice == "on" if row.enabled else None for row in tied} or {None})
    global_value = bool(waffle.flag_is_active(request, NAME))
    values = set()
    for course_value in levels[0]:
        if course_value is not None:
            values.add(course_value)
            continue
        values.update(global_value if org_value is None else org_value for org_value in levels[1])
    return values


def _reference_value(course_id, request):
    """The one value the legacy code path gave the course, or None when its ties made it either."""
    values = _reference_values(course_id, request)
    return values.pop() if len(values) == 1 else None


ORGS = ("edX", "MITx", "HarvardX")


def _random_dataset(rng):
    """Seed a random flag, courses and overrides; return the ids of the known (proctortrack) courses."""
    if rng.random() < 0.8:
        f.flag(
            everyone=rng.choice([None, None, True, False]),
            authenticated=rng.random() < 0.2,
            staff=rng.random() < 0.5,
            superusers=rng.random() < 0.5,
            testing=rng.random() < 0.3,
            languages=rng.choice(["", "en"]),
            users=[f.user()] if rng.random() < 0.5 else [],
            groups=[f.group()] if rng.random() < 0.5 else [],
        )
    course_ids = [f"course-v1:{rng.choice(ORGS)}+C{index}+1" for index in range(rng.randint(1, 10))]
    known = []
    for course_id in course_ids:
        provider = rng.choice(["proctortrack", "proctortrack", None, "other"])
        proctored = rng.random() < 0.8
        f.course(course_id, provider=provider, proctored=proctored)
        if proctored and provider == "proctortrack":
            known.append(course_id)
    unknown_courses = [f"course-v1:{org}+Gone+1" for org in ORGS]
    for _ in range(rng.randint(0, 12)):
        f.course_override(
            rng.choice(course_ids + unknown_courses),
            rng.choice(["on", "off"]),
            enabled=rng.random() < 0.8,
            change_date=f.START + timedelta(days=rng.randint(0, 3)),
        )
    for _ in range(rng.randint(0, 5)):
        f.org_override(
            rng.choice(ORGS),
            rng.choice(["on", "off"]),
            enabled=rng.random() < 0.8,
            change_date=f.START + timedelta(days=rng.randint(0, 3)),
        )
    return known


@ddt.ddt
@SILENT_READS
class ReferenceEvaluatorTest(ActionTestCase):
    """On random datasets, the plan agrees course by course with the legacy evaluation on the real tables."""

    @ddt.data(*range(8))
    def test_plan_matches_the_legacy_evaluation(self, seed):
        known = _random_dataset(random.Random(seed))
        request = _signed_in_request(f.user())
        reference = {course_id: _reference_value(course_id, request) for course_id in known}
        plan = json_data(capture.compute_plan(f.context()))
        decision = plan["decision"]["value"]
        exceptions = {item["key"]: item["legacy_value"] for item in plan["exceptions"]}
        assert plan["known_courses"] == len(known)
        assert plan["invalid_rows"] == []
        ambiguous = {course_id for course_id, value in reference.items() if value is None}
        assert set(plan["consequences"]["ambiguous"]) == ambiguous
        assert set(exceptions) <= set(reference) - ambiguous
        for course_id, value in reference.items():
            if value is not None:
                assert exceptions.get(course_id, decision) == value, course_id

    @ddt.data(*range(4))
    def test_operator_decision_lists_every_other_course(self, seed):
        known = _random_dataset(random.Random(100 + seed))
        request = _signed_in_request(f.user())
        plan = json_data(capture.compute_plan(f.context(decision_override=True)))
        differing = sorted(
            (course_id for course_id in known if _reference_value(course_id, request) is False), key=str.lower
        )
        assert [item["key"] for item in plan["exceptions"]] == differing


@ddt.ddt
class ExportJsonTest(ActionTestCase):
    """export_json streams exactly the text json.dumps(export(), indent=2, sort_keys=True) gives."""

    def _golden(self):
        return json.dumps(json_data(export.export(f.context())), indent=2, sort_keys=True)

    def _streamed(self):
        return "".join(export_json(f.context()))

    def test_full_state(self):
        f.seed_full_state()
        capture.capture(f.context())
        assert self._streamed() == self._golden()

    def test_nothing_stored(self):
        capture.capture(f.context())
        assert '"rows": {}' in self._golden()
        assert self._streamed() == self._golden()

    def test_pruned(self):
        f.seed_full_state()
        capture.capture(f.context())
        prune.prune(f.context())
        assert self._streamed() == self._golden()

    @ddt.data('quote " and \\ backslash', "line\nbreak\ttab", "é ü 漢字 \U0001f600", "\x01\x1f", "")
    def test_notes_that_json_escapes(self, note):
        f.flag(note=note)
        f.course_override("course-v1:edX+Demo+1", note=note)
        f.org_override("edX", note=note)
        capture.capture(f.context())
        assert self._streamed() == self._golden()

    @ddt.data(1, 2, 3)
    def test_rows_across_pages(self, page):
        f.seed_full_state()
        capture.capture(f.context())
        with mock.patch.object(streams, "PAGE", page):
            streamed = self._streamed()
        assert streamed == self._golden()

    def test_command_prints_the_json_and_a_newline(self):
        f.seed_full_state()
        capture.capture(f.context())
        out = StringIO()
        call_command("retire_toggle", "export", stdout=out)
        assert out.getvalue() == self._golden() + "\n"

    def test_refused_when_not_captured(self):
        with pytest.raises(context.ActionRefused, match="not captured: there is nothing to export"):
            self._streamed()


BROKEN_WAFFLE_CACHE = override_settings(
    CACHES={
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "waffle": {"BACKEND": "test_utils.broken_cache.BrokenCache"},
    },
    WAFFLE_CACHE_NAME="waffle",
)


@SILENT_READS
class CacheOutageAfterCommitTest(TransactionTestCase):
    """A dead waffle cache after a committed prune or restore: the report, a warning naming it, exit 0."""

    WARNING = (
        "Warning: the database change is committed, but django-waffle's cache 'waffle' (WAFFLE_CACHE_NAME) could "
        f"not be cleared (ConnectionError): processes may serve the old value of {NAME} until its cached entries "
        'expire. Clear them when the cache is back: ./manage.py shell -c "from toggles_migration.state.waffle_cache '
        f"import clear_flag_cache; clear_flag_cache('{NAME}')\"\n"
    )

    def setUp(self):
        super().setUp()
        f.forget_captures()
        f.seed_full_state()
        capture.capture(f.context())
        self.total = f.row_total()

    def _call(self, *args):
        out, err = StringIO(), StringIO()
        with BROKEN_WAFFLE_CACHE:  # down after the rows were seeded (saving a Flag clears its cache too)
            call_command("retire_toggle", *args, stdout=out, stderr=err)  # raising would be a non-zero exit
        return out.getvalue(), err.getvalue()

    def test_prune_reports_and_warns(self):
        out, err = self._call("prune")
        assert out.startswith(f"{NAME}: deleted {self.total} rows\n")
        assert err == self.WARNING
        assert (f.row_total(), Capture.objects.get().state) == (0, "pruned")

    def test_restore_reports_and_warns(self):
        self._call("prune")
        out, err = self._call("restore")
        assert out.startswith(f"{NAME}: restored {self.total} rows\n")
        assert err == self.WARNING
        assert (f.row_total(), Capture.objects.get().state) == (self.total, "captured")

    def test_json_report_carries_the_warning(self):
        out, _ = self._call("prune", "--format", "json")
        assert json.loads(out)["warnings"] == [self.WARNING.removeprefix("Warning: ").rstrip("\n")]

    def test_dry_run_touches_no_cache(self):
        out, err = self._call("prune", "--dry-run")
        assert "would delete" in out
        assert err == ""
