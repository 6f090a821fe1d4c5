"""The migration operation CaptureRetiredToggle: forwards, backwards, routers, serialisation, and a migration of it."""

from contextlib import redirect_stdout
from io import StringIO

import ddt
import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.writer import MigrationWriter
from django.test import SimpleTestCase, override_settings

from tests import factories as f
from tests.test_migration_0002 import APP, CAPTURE, INITIAL, MigrationTestCase, _migrate
from toggles_migration import operations
from toggles_migration.management import plan_text
from toggles_migration.models import Capture, CapturedRow
from toggles_migration.retirements import declared
from toggles_migration.state import capture, context, export, prune

OPERATION = operations.CaptureRetiredToggle(f.NAME)
# The shipped migrations, with 0002 written as the docs say a retirement's migration is: the operation only.
OPERATION_ONLY = {APP: "test_utils.operation_only"}


class RefuseTogglesMigration:
    """A database router that keeps toggles_migration's tables off every database."""

    def allow_migrate(self, db, app_label, **hints):  # pylint: disable=unused-argument
        """Refuse this package's app, have no opinion on the others."""
        return False if app_label == APP else None


def _run(direction):
    """Run the operation ``direction`` ("forwards" or "backwards") on the test database; return what it printed."""
    state = MigrationExecutor(connection).loader.project_state(CAPTURE)
    out = StringIO()
    with redirect_stdout(out), connection.schema_editor() as editor:
        getattr(OPERATION, f"database_{direction}")(APP, editor, state, state)
    return out.getvalue()


def _captured():
    """What the capture holds, less its dates."""
    exported = export.export(f.context())
    return {key: getattr(exported, key) for key in ("rows", "decision", "plan", "row_count", "state")}


class ForwardsTest(MigrationTestCase):
    """Forwards, the operation captures the toggle's rows and decision and prints the summary."""

    def test_forwards_captures_every_row(self):
        f.seed_full_state()
        before = f.snapshot()
        _run("forwards")
        assert export.export(f.context()).rows == {table: list(rows) for table, rows in before.items() if rows}

    def test_forwards_prints_the_migration_summary(self):
        f.seed_full_state()
        out = _run("forwards")
        # The plan of the rows now captured, as the capture computed it: no decision captured before it.
        assert out == plan_text.migration_summary(capture.compute_plan(f.context()))

    def test_forwards_deletes_nothing(self):
        f.seed_full_state()
        before = f.snapshot()
        _run("forwards")
        assert f.snapshot() == before

    @override_settings(TOGGLES_MIGRATION={"STRICT": True}, PROCTORING_BACKENDS=f.PROCTORTRACK_TRUE)
    def test_strict_with_disagreeing_settings_refuses_with_the_fix(self):
        f.flag(everyone=False)
        plan = capture.compute_plan(f.context())
        with pytest.raises(context.ActionRefused) as caught:
            _run("forwards")
        assert str(caught.value) == plan_text.strict_failure(plan)

    @override_settings(DATABASE_ROUTERS=[f"{__name__}.RefuseTogglesMigration"])
    def test_a_router_refusing_the_app_keeps_forwards_off_the_database(self):
        f.seed_full_state()
        assert _run("forwards") == ""
        assert not Capture.objects.exists()


class BackwardsTest(MigrationTestCase):
    """Backwards, the operation restores whatever was pruned, then forgets the capture."""

    def test_backwards_restores_pruned_rows(self):
        f.seed_full_state()
        before = f.snapshot()
        _run("forwards")
        prune.prune(f.context())
        _run("backwards")
        assert f.snapshot() == before

    def test_backwards_forgets_the_capture(self):
        f.seed_full_state()
        _run("forwards")
        _run("backwards")
        assert not Capture.objects.exists()
        assert not CapturedRow.objects.exists()

    def test_a_router_refusing_the_app_keeps_backwards_off_the_database(self):
        f.seed_full_state()
        _run("forwards")
        with override_settings(DATABASE_ROUTERS=[f"{__name__}.RefuseTogglesMigration"]):
            _run("backwards")
        assert Capture.objects.get().row_count == f.row_total()


class OperationOnlyMigrationTest(MigrationTestCase):
    """A migration written with the operation and literal names only does what the shipped 0002 does."""

    def test_forwards_captures_and_prints_what_0002_does(self):
        f.seed_full_state()
        shipped_out = _migrate(CAPTURE)
        shipped = _captured()
        _migrate(INITIAL)
        with override_settings(MIGRATION_MODULES=OPERATION_ONLY):
            written_out = _migrate(CAPTURE)
        assert (_captured(), written_out) == (shipped, shipped_out)

    def test_backwards_restores_pruned_rows(self):
        f.seed_full_state()
        before = f.snapshot()
        with override_settings(MIGRATION_MODULES=OPERATION_ONLY):
            _migrate(CAPTURE)
            prune.prune(f.context())
            _migrate(INITIAL)
        assert f.snapshot() == before
        assert not Capture.objects.exists()


@ddt.ddt
class DeclarationTest(SimpleTestCase):
    """What migrations, makemigrations and migrate --plan read from the operation."""

    def test_deconstructs_to_the_literal_toggle_name(self):
        assert OPERATION.deconstruct() == ("CaptureRetiredToggle", [f.NAME], {})

    def test_makemigrations_writes_it_with_the_literal_name(self):
        assert MigrationWriter.serialize(OPERATION) == (
            f"toggles_migration.operations.CaptureRetiredToggle(\n    name='{f.NAME}',\n)",
            {"import toggles_migration.operations"},
        )

    def test_its_deconstruction_builds_the_same_operation(self):
        name, args, kwargs = OPERATION.deconstruct()
        rebuilt = getattr(operations, name)(*args, **kwargs)
        assert (type(rebuilt), rebuilt.deconstruct()) == (type(OPERATION), OPERATION.deconstruct())

    def test_describe_names_the_toggle(self):
        assert OPERATION.describe() == (
            "Capture the stored rows and the decision of the retired toggle studio.show_review_rules"
        )

    def test_a_new_migration_is_named_after_the_toggle(self):
        assert OPERATION.migration_name_fragment == "capture_show_review_rules"

    @ddt.data(("reversible", True), ("reduces_to_sql", False), ("elidable", False), ("atomic", True))
    @ddt.unpack
    def test_flags(self, attribute, value):
        assert getattr(OPERATION, attribute) is value

    def test_changes_no_model_state(self):
        state = MigrationLoader(None).project_state(INITIAL)
        models = state.clone().models
        OPERATION.state_forwards(APP, state)
        assert state.models == models

    def test_an_undeclared_toggle_is_refused_naming_the_declared_ones(self):
        known = ", ".join(retirement.name for retirement in declared())
        with pytest.raises(LookupError) as caught:
            operations.CaptureRetiredToggle("studio.not_declared")
        assert str(caught.value) == f"'studio.not_declared' is not a declared retirement; known: {known}"
