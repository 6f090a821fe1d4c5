"""Migrations 0003-0004: 0.2.0's captures (plan and rows as JSON text) to JSONFields and plan pieces, and back."""

import json
from unittest import mock

from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests import factories as f
from tests.test_migration_0002 import CAPTURE, LATEST, MigrationTestCase, _migrate
from tests.test_stored_plan import LOW_PACKET, lists_of, seed_courses
from toggles_migration.models import Capture, CapturedRow, PlanPiece
from toggles_migration.plan import json_data
from toggles_migration.state import batching, capture, export, stored_plan

APP = "toggles_migration"


def _models_of_0002():
    """Capture and CapturedRow as 0.2.0 shipped them (migrations 0001-0002): JSON as text."""
    state_apps = MigrationExecutor(connection).loader.project_state(CAPTURE).apps
    return state_apps.get_model(APP, "Capture"), state_apps.get_model(APP, "CapturedRow")


def _as_0_2_0_stored_it():
    """
    Replace the capture migration 0002 took by what 0.2.0 stored for the same state; return its texts.

    0.2.0 wrote the whole plan as one value of sorted JSON, and each row as compact sorted JSON.
    """
    capture_model, row_model = _models_of_0002()
    plan = json.dumps(json_data(capture.compute_plan(f.context())), sort_keys=True)
    header = capture_model.objects.get(toggle=f.NAME)
    row_model.objects.filter(capture=header).delete()
    rows = [
        row_model(
            capture=header, table=table, row_id=row["id"], data=json.dumps(row, sort_keys=True, separators=(",", ":"))
        )
        for table, table_rows in f.snapshot().items()
        for row in table_rows
    ]
    row_model.objects.bulk_create(rows)
    header.plan_json = plan
    header.save()
    return plan, {(row.table, row.row_id): row.data for row in rows}


def _stored_by_0002():
    """The plan text and {(table, row_id): data text} the capture holds with 0.2.0's models."""
    capture_model, row_model = _models_of_0002()
    header = capture_model.objects.get(toggle=f.NAME)
    rows = row_model.objects.filter(capture=header).values_list("table", "row_id", "data")
    return header.plan_json, {(table, row_id): data for table, row_id, data in rows}


@LOW_PACKET
class UpgradeFrom020Test(MigrationTestCase):
    """A site that captured with 0.2.0 upgrades: every value is kept, and migrating back gives 0.2.0's values."""

    def setUp(self):
        super().setUp()
        f.seed_full_state()
        seed_courses(300, flag=False)
        _migrate(CAPTURE)
        self.plan, self.rows = _as_0_2_0_stored_it()

    def test_forward_keeps_the_plan(self):
        _migrate(LATEST)
        assert export.export(f.context()).plan == json.loads(self.plan)

    def test_forward_stores_the_plans_lists_in_pieces(self):
        _migrate(LATEST)
        head = Capture.objects.get(toggle=f.NAME).plan_json
        assert lists_of(head) == {key: [] for key in lists_of(json.loads(self.plan))}
        assert PlanPiece.objects.filter(path="/exceptions").count() > 1

    def test_forward_keeps_every_row(self):
        _migrate(LATEST)
        stored = {(row.table, row.row_id): row.data for row in CapturedRow.objects.filter(capture__toggle=f.NAME)}
        assert stored == {key: json.loads(data) for key, data in self.rows.items()}

    def test_forward_then_back_gives_0_2_0s_values(self):
        _migrate(LATEST)
        _migrate(CAPTURE)
        plan, rows = _stored_by_0002()
        assert json.loads(plan) == json.loads(self.plan)
        assert {key: json.loads(data) for key, data in rows.items()} == {
            key: json.loads(data) for key, data in self.rows.items()
        }

    def test_back_on_a_database_that_keeps_json_text_gives_0_2_0s_bytes(self):
        if connection.vendor == "postgresql":
            self.skipTest("PostgreSQL's jsonb keeps the values, not the text (0.2.0 reads them with json.loads)")
        _migrate(LATEST)
        _migrate(CAPTURE)
        assert _stored_by_0002()[0] == self.plan

    def test_forward_back_and_forward_again_keeps_the_plan(self):
        _migrate(LATEST)
        first = export.export(f.context())
        _migrate(CAPTURE)
        _migrate(LATEST)
        assert export.export(f.context()) == first


@LOW_PACKET
class CaptureBefore0003Test(MigrationTestCase):
    """On a new site, migration 0002 captures before 0003 exists: the plan's lists wait in bounded CapturedRows."""

    def setUp(self):
        super().setUp()
        seed_courses(300)

    def test_the_lists_wait_in_reserved_rows_under_the_budget(self):
        _migrate(CAPTURE)
        _, rows = _stored_by_0002()
        reserved = [data for (table, _), data in rows.items() if table == stored_plan.RESERVED_TABLE]
        assert len(reserved) > 1
        assert max(batching.value_bytes(data) for data in reserved) <= batching.statement_budget(connection)

    def test_0004_moves_them_into_pieces(self):
        _migrate(CAPTURE)
        _migrate(LATEST)
        assert not CapturedRow.objects.filter(table=stored_plan.RESERVED_TABLE).exists()
        assert export.export(f.context()).plan == json_data(capture.compute_plan(f.context()))

    def test_the_row_count_counts_the_flags_rows_only(self):
        _migrate(CAPTURE)
        _migrate(LATEST)
        assert CapturedRow.objects.filter(capture__toggle=f.NAME).count() == f.row_total()


@LOW_PACKET
class TooLargeToGoBackWholeTest(MigrationTestCase):
    """A plan the server would not take as one value goes back to 0002's models with its lists in CapturedRows."""

    def setUp(self):
        super().setUp()
        seed_courses(300)
        _migrate(LATEST)
        self.exported = export.export(f.context())

    def test_back_keeps_the_lists_in_reserved_rows(self):
        with mock.patch.object(stored_plan, "fits_one_statement", return_value=False):
            _migrate(CAPTURE)
        plan, rows = _stored_by_0002()
        assert lists_of(json.loads(plan)) == {key: [] for key in lists_of(self.exported.plan)}
        assert any(table == stored_plan.RESERVED_TABLE for table, _ in rows)

    def test_forward_again_gives_the_same_capture(self):
        with mock.patch.object(stored_plan, "fits_one_statement", return_value=False):
            _migrate(CAPTURE)
        _migrate(LATEST)
        assert export.export(f.context()) == self.exported


@LOW_PACKET
class UndeclaredRetirementTest(MigrationTestCase):
    """A capture whose retirement is no longer declared (a fork dropped it) is stored the new way, and back, too."""

    DROPPED = "courseware.dropped_flag"

    def setUp(self):
        super().setUp()
        seed_courses(300)
        _migrate(CAPTURE)
        self.plan, _ = _as_0_2_0_stored_it()
        capture_model, _ = _models_of_0002()
        capture_model.objects.filter(toggle=f.NAME).update(toggle=self.DROPPED)

    def test_forward_moves_its_lists_into_pieces(self):
        _migrate(LATEST)
        header = Capture.objects.get(toggle=self.DROPPED)
        assert lists_of(header.plan_json) == {key: [] for key in lists_of(json.loads(self.plan))}
        assert stored_plan.whole(PlanPiece.objects, header) == json.loads(self.plan)

    def test_back_puts_its_plan_back_whole(self):
        _migrate(LATEST)
        _migrate(CAPTURE)
        capture_model, _ = _models_of_0002()
        assert json.loads(capture_model.objects.get(toggle=self.DROPPED).plan_json) == json.loads(self.plan)
