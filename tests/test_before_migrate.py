"""Before `migrate`: every action that needs a table says which migrate to run, with its documented exit code."""

import subprocess
import sys
from contextlib import redirect_stdout
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import TransactionTestCase

ROOT = Path(__file__).resolve().parent.parent
NEED_CAPTURES = ["list", "verify", "export", "status", "prune", "restore", "capture"]


def _migrate(*targets):
    executor = MigrationExecutor(connection)
    with redirect_stdout(StringIO()):
        executor.migrate(list(targets) or executor.loader.graph.leaf_nodes())


class BeforeMigrateTest(TransactionTestCase):
    """The package's tables (or waffle's) do not exist yet."""

    def tearDown(self):
        _migrate()
        super().tearDown()

    def _refusal(self, *args):
        with pytest.raises(CommandError) as caught:
            call_command("retire_toggle", *args, stdout=StringIO())
        return caught.value

    def test_each_action_names_the_migrate_to_run(self):
        _migrate(("toggles_migration", None))
        for action in NEED_CAPTURES:
            error = self._refusal(action)
            assert str(error) == (
                "Database 'default' has no table toggles_migration_capture, toggles_migration_capturedrow yet: the "
                "migrations have not run there. Run manage.py migrate (Open edX: ./manage.py lms migrate; LMS and "
                "CMS share one database) first."
            ), action
            assert error.returncode == (2 if action == "verify" else 1), action

    def test_plan_names_the_missing_waffle_table(self):
        _migrate(("waffle", None))
        error = self._refusal("plan")
        assert str(error).startswith(
            "Database 'default' has no table waffle_flag, waffle_flag_users, waffle_flag_groups yet"
        )
        assert error.returncode == 1

    def test_settings_needs_no_table(self):
        _migrate(("toggles_migration", None))
        out = StringIO()
        call_command("retire_toggle", "settings", stdout=out)
        assert out.getvalue().startswith("PROCTORING_BACKENDS")


@pytest.mark.processes
@pytest.mark.skipif(connection.vendor != "sqlite", reason="one end-to-end run is enough; the above runs everywhere")
def test_manage_py_verify_before_migrate_exits_2_without_a_traceback(tmp_path):
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "TOGGLES_MIGRATION_TEST_DB": "sqlite"}
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "retire_toggle", "verify"],
        cwd=tmp_path,  # default.db is created here, empty: nothing migrated
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "Run manage.py migrate" in done.stderr
