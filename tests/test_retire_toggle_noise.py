"""retire_toggle prints each settings notice once: `settings` lists them, the other actions point there."""

from contextlib import redirect_stdout
from io import StringIO
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import SimpleTestCase, TestCase, override_settings

from tests.declared import option_names
from toggles_migration.management.commands.retire_toggle import Command

# W004 once per declared option (all unset on the legacy backend) and W002 once.
NOISY = {"DEFAULT": "proctortrack", "proctortrack": {}, "x": {"show_review_rules": "yes"}}
POINTER = (
    f"Note: PROCTORING_BACKENDS has {len(option_names()) + 1} notices (W002, W004); `manage.py retire_toggle "
    "settings` or `manage.py check` shows them.\n"
)


def run(*args):
    """Run the command; return (stdout, stderr)."""
    out, err = StringIO(), StringIO()
    call_command("retire_toggle", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


class ChecksFirstTest(SimpleTestCase):
    """Django's automatic system checks, which would print the notices again, do not run first."""

    def test_django_system_checks_do_not_run_first(self):
        with (
            mock.patch.object(Command, "check") as check,
            override_settings(PROCTORING_BACKENDS=NOISY),
            redirect_stdout(StringIO()),
        ):
            Command().run_from_argv(["manage.py", "retire_toggle", "settings"])
        check.assert_not_called()


class NoiseTest(TestCase):
    """No repeated warnings inside the output."""

    @override_settings(PROCTORING_BACKENDS=NOISY)
    def test_other_actions_print_one_line_pointing_at_the_notices(self):
        out, err = run("list", "--format", "json")
        assert err == POINTER
        assert "W004" not in out

    @override_settings(PROCTORING_BACKENDS=NOISY)
    def test_settings_prints_each_notice_once_and_no_pointer(self):
        out, err = run("settings")
        assert err == ""
        assert out.count("toggles_migration.W004") == len(option_names())
        assert out.count("toggles_migration.W002") == 1

    @override_settings(PROCTORING_BACKENDS={"DEFAULT": "x", "x": {}})
    def test_no_pointer_without_notices(self):
        assert run("list")[1] == ""


class ExportFormatTest(SimpleTestCase):
    """export honours --format: JSON only, anything else refused as a usage error."""

    def test_export_refuses_text(self):
        with pytest.raises(CommandError, match="invalid choice: 'text'"):
            call_command("retire_toggle", "export", "--format", "text", stderr=StringIO())
