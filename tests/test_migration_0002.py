"""Migration 0002: capture forward, uncapture (restoring anything pruned) backward, on every database."""
# pylint: disable=protected-access  # white-box tests of the migration's optional dependencies

import importlib
from contextlib import redirect_stdout
from io import StringIO
from types import SimpleNamespace
from unittest import mock

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.db.migrations.exceptions import InconsistentMigrationHistory
from django.db.migrations.executor import MigrationExecutor
from django.test import SimpleTestCase, TransactionTestCase, override_settings

from tests import factories as f
from toggles_migration.management import plan_text
from toggles_migration.models import Capture, CapturedRow
from toggles_migration.state import context, export, prune

APP = "toggles_migration"
INITIAL = (APP, "0001_initial")
CAPTURE = (APP, "0002_capture_show_review_rules")
MIGRATION = importlib.import_module("toggles_migration.migrations.0002_capture_show_review_rules")
# Other retirements' migrations capture their own toggles too (the test-only one does).
TOGGLE = MIGRATION.Migration.operations[0].name


def _migrate(target):
    """Migrate toggles_migration to ``target``; return what the migration printed."""
    out = StringIO()
    with redirect_stdout(out):
        MigrationExecutor(connection).migrate([target])
    return out.getvalue()


def _migrate_to_latest():
    executor = MigrationExecutor(connection)
    with redirect_stdout(StringIO()):
        executor.migrate(executor.loader.graph.leaf_nodes())


def _applied():
    return set(MigrationExecutor(connection).loader.applied_migrations)


class MigrationTestCase(TransactionTestCase):
    """Starts at toggles_migration 0001 (nothing captured); always ends migrated to the latest state."""

    def setUp(self):
        super().setUp()
        cache.clear()
        _migrate(INITIAL)
        assert not Capture.objects.exists()

    def tearDown(self):
        _migrate_to_latest()
        super().tearDown()


class ForwardTest(MigrationTestCase):
    """Migrating forward captures the stored state and the decision."""

    def test_forward_captures_the_rows_and_the_decision(self):
        f.flag(everyone=True)
        f.course_override("course-v1:edX+Demo+1", "off")
        before = f.snapshot()
        _migrate(CAPTURE)
        header = Capture.objects.get(toggle=TOGGLE)
        assert (header.toggle, header.state) == (f.NAME, "captured")
        assert header.decision_value is True
        assert header.row_count == 2
        assert export.export(f.context()).rows == {table: list(rows) for table, rows in before.items() if rows}

    def test_forward_captures_every_kind_of_row(self):
        f.seed_full_state()
        before = f.snapshot()
        _migrate(CAPTURE)
        assert CapturedRow.objects.count() == sum(len(rows) for rows in before.values())

    def test_forward_prints_the_decision(self):
        f.flag(everyone=False)
        out = _migrate(CAPTURE)
        assert f"captured {f.NAME}" in out
        assert "show_review_rules = False" in out

    def test_forward_deletes_nothing(self):
        f.seed_full_state()
        before = f.snapshot()
        _migrate(CAPTURE)
        assert f.snapshot() == before

    @override_settings(TOGGLES_MIGRATION={"DECISIONS": {f.NAME: True}})
    def test_decisions_setting_overrides_the_computed_decision(self):
        f.flag(everyone=False)
        _migrate(CAPTURE)
        header = Capture.objects.get(toggle=TOGGLE)
        assert header.decision_value is True
        assert export.export(f.context()).plan["decision"]["source"] == "operator"

    @override_settings(TOGGLES_MIGRATION={"STRICT": True}, PROCTORING_BACKENDS=f.PROCTORTRACK_TRUE)
    def test_strict_with_disagreeing_settings_fails_with_the_snippet(self):
        f.flag(everyone=False)
        with pytest.raises(context.ActionRefused) as caught:
            _migrate(CAPTURE)
        snippet = {"proctortrack": {"requires_escalation_email": True, "show_review_rules": False}}
        lines = plan_text.snippet_lines(snippet)
        assert lines
        assert all(line in str(caught.value) for line in lines)

    @override_settings(TOGGLES_MIGRATION={"STRICT": True}, PROCTORING_BACKENDS=f.PROCTORTRACK_TRUE)
    def test_strict_with_disagreeing_settings_captures_nothing(self):
        f.seed_full_state()
        with pytest.raises(context.ActionRefused):
            _migrate(CAPTURE)
        assert not Capture.objects.exists()
        assert not CapturedRow.objects.exists()
        assert CAPTURE not in _applied()

    @override_settings(TOGGLES_MIGRATION={"STRICT": True}, PROCTORING_BACKENDS=f.PROCTORTRACK_FALSE)
    def test_strict_with_agreeing_settings_captures(self):
        f.flag(everyone=False)
        _migrate(CAPTURE)
        assert Capture.objects.get(toggle=TOGGLE).decision_value is False

    def test_rerunning_the_forward_operation_keeps_the_capture(self):
        f.seed_full_state()
        _migrate(CAPTURE)
        first = Capture.objects.get(toggle=TOGGLE)
        f.course_override("course-v1:edX+Later+1")
        state_apps = MigrationExecutor(connection).loader.project_state(CAPTURE).apps
        out = StringIO()
        with redirect_stdout(out):
            MIGRATION.capture_forward(state_apps, SimpleNamespace(connection=connection))
        again = Capture.objects.get(toggle=TOGGLE)
        assert (again.pk, again.captured_at, again.row_count) == (first.pk, first.captured_at, first.row_count)
        assert out.getvalue() == ""

    def test_migrating_forward_again_captures_the_same_state(self):
        f.seed_full_state()
        _migrate(CAPTURE)
        first = export.export(f.context())
        _migrate(INITIAL)
        _migrate(CAPTURE)
        second = export.export(f.context())
        assert Capture.objects.count() == 1
        assert {key: getattr(second, key) for key in ("rows", "decision", "plan", "row_count", "state")} == {
            key: getattr(first, key) for key in ("rows", "decision", "plan", "row_count", "state")
        }


class BackwardTest(MigrationTestCase):
    """Migrating back to 0001 forgets the capture, restoring whatever was pruned."""

    def test_backward_removes_the_capture(self):
        f.seed_full_state()
        _migrate(CAPTURE)
        _migrate(INITIAL)
        assert not Capture.objects.exists()
        assert not CapturedRow.objects.exists()

    def test_forward_then_backward_leaves_the_flag_tables_identical(self):
        f.seed_full_state()
        before, other_before = f.snapshot(), f.snapshot(f.OTHER)
        _migrate(CAPTURE)
        _migrate(INITIAL)
        assert f.snapshot() == before
        assert f.snapshot(f.OTHER) == other_before

    def test_backward_restores_pruned_rows(self):
        f.seed_full_state()
        before = f.snapshot()
        _migrate(CAPTURE)
        prune.prune(f.context())
        assert f.row_total() == 0
        _migrate(INITIAL)
        assert f.snapshot() == before
        assert not Capture.objects.exists()

    def test_backward_with_nothing_captured_does_nothing(self):
        f.seed_full_state()
        before = f.snapshot()
        _migrate(CAPTURE)
        Capture.objects.all().delete()
        _migrate(INITIAL)
        assert f.snapshot() == before


class DependencyTest(SimpleTestCase):
    """The migration runs after django-waffle's and, where installed, edx-platform's tables exist."""

    def test_depends_on_waffle(self):
        assert ("waffle", "0004_update_everyone_nullbooleanfield") in MIGRATION.Migration.dependencies

    def test_depends_on_the_named_edx_platform_migrations_it_reads(self):
        dependencies = MIGRATION.Migration.dependencies
        assert ("waffle_utils", "0003_add_org_level_waffle_override") in dependencies
        assert ("course_overviews", "0025_auto_20210702_1602") in dependencies

    def test_never_depends_on_a_floating_migration(self):
        assert all(name != "__latest__" for _, name in MIGRATION.Migration.dependencies)

    def test_edx_platform_dependencies_only_when_installed(self):
        bare = [app for app in settings.INSTALLED_APPS if not app.startswith("test_utils.")]
        with override_settings(INSTALLED_APPS=bare):
            assert MIGRATION._optional_dependencies() == []


# The stand-ins' migrations as a later edx-platform release ships them: one more migration in each app.
NEXT_RELEASE = {
    "waffle_utils": "test_utils.next_release.waffle_utils",
    "course_overviews": "test_utils.next_release.course_overviews",
}
LATER_MIGRATIONS = {("waffle_utils", "0004_later_release"), ("course_overviews", "0026_later_release")}
SHIPPED_LEAVES = [
    ("waffle_utils", "0003_add_org_level_waffle_override"),
    ("course_overviews", "0025_auto_20210702_1602"),
]
# What 0002 declared before this fix.
FLOATING = [
    ("toggles_migration", "0001_initial"),
    ("waffle", "0004_update_everyone_nullbooleanfield"),
    ("waffle_utils", "__latest__"),
    ("course_overviews", "__latest__"),
]


def _run_migrate(*args):
    """Run the operator's ``manage.py migrate`` (consistency check included); return what it printed."""
    out = StringIO()
    with redirect_stdout(out):
        call_command("migrate", *args, verbosity=1, interactive=False, stdout=out)
    return out.getvalue()


def _unmigrate_edx_platform():
    """A fresh site: no waffle_utils or course_overviews tables (and so no capture)."""
    with redirect_stdout(StringIO()):
        MigrationExecutor(connection).migrate([("waffle_utils", None), ("course_overviews", None)])


class UpgradeTest(TransactionTestCase):
    """A later edx-platform release adds migrations to the apps 0002 reads; `migrate` must keep working."""

    def setUp(self):
        super().setUp()
        cache.clear()
        f.seed_full_state()
        _migrate(INITIAL)
        _migrate_to_latest()  # captured, as on a site that upgraded to this package

    def tearDown(self):
        with override_settings(MIGRATION_MODULES=NEXT_RELEASE), redirect_stdout(StringIO()):
            MigrationExecutor(connection).migrate(SHIPPED_LEAVES)
        _migrate_to_latest()
        super().tearDown()

    def test_a_later_upstream_migration_applies_after_the_capture(self):
        header = Capture.objects.get(toggle=TOGGLE)
        with override_settings(MIGRATION_MODULES=NEXT_RELEASE):
            _run_migrate()
            assert _applied() >= LATER_MIGRATIONS
        assert Capture.objects.get(toggle=TOGGLE).pk == header.pk

    def test_the_floating_dependency_blocked_that_migrate(self):
        with (
            override_settings(MIGRATION_MODULES=NEXT_RELEASE),
            mock.patch.object(MIGRATION.Migration, "dependencies", FLOATING),
            pytest.raises(InconsistentMigrationHistory),
        ):
            _run_migrate()

    def test_a_site_stuck_on_the_floating_dependency_only_upgrades_the_package(self):
        header = Capture.objects.get(toggle=TOGGLE)
        with override_settings(MIGRATION_MODULES=NEXT_RELEASE):
            with (
                mock.patch.object(MIGRATION.Migration, "dependencies", FLOATING),
                pytest.raises(InconsistentMigrationHistory),
            ):
                _run_migrate()
            # The new package release, and nothing else: migrate again.
            _run_migrate()
            assert _applied() >= LATER_MIGRATIONS
        assert Capture.objects.get(toggle=TOGGLE).pk == header.pk

    def test_a_fresh_site_migrates_everything_in_one_migrate(self):
        _unmigrate_edx_platform()
        assert CAPTURE not in _applied()
        with override_settings(MIGRATION_MODULES=NEXT_RELEASE):
            _run_migrate()
            assert LATER_MIGRATIONS | {CAPTURE} <= _applied()
        assert Capture.objects.get(toggle=TOGGLE).row_count == f.row_total()

    def test_a_site_migrated_on_the_old_release_upgrades(self):
        _unmigrate_edx_platform()
        _run_migrate()
        assert CAPTURE in _applied()
        with override_settings(MIGRATION_MODULES=NEXT_RELEASE):
            _run_migrate()
            assert _applied() >= LATER_MIGRATIONS

    def test_zero_and_forward_again_after_an_upgrade(self):
        with override_settings(MIGRATION_MODULES=NEXT_RELEASE):
            _run_migrate()
            _run_migrate("toggles_migration", "zero")
            assert CAPTURE not in _applied()
            out = _run_migrate()
            assert CAPTURE in _applied()
        assert f"captured {f.NAME}" in out
        assert Capture.objects.get(toggle=TOGGLE).row_count == f.row_total()
