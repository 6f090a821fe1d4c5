"""prune refuses while the settings disagree with the decision; each step ends with the next command."""

import contextlib
import json
from io import StringIO

import ddt
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import TestCase, override_settings

from tests import factories as f
from toggles_migration.management import plan_text
from toggles_migration.state import capture

AGREE = {"DEFAULT": "proctortrack", "proctortrack": {"show_review_rules": True, "requires_escalation_email": True}}
DISAGREE = {"DEFAULT": "proctortrack", "proctortrack": {"show_review_rules": False, "requires_escalation_email": True}}
SNIPPET = {"proctortrack": {"show_review_rules": True}}


def run(*args):
    """Run retire_toggle; return its stdout."""
    out = StringIO()
    call_command("retire_toggle", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


class GuardedPruneTest(TestCase):
    """Captured decision True (the flag was on for everyone)."""

    def setUp(self):
        f.forget_captures()
        f.flag(everyone=True)
        f.course_override("course-v1:edX+Demo+1", "on")
        capture.capture(f.context())

    @override_settings(PROCTORING_BACKENDS=DISAGREE)
    def test_refuses_with_exit_1_and_the_snippet(self):
        with pytest.raises(CommandError) as caught:
            run("prune")
        assert caught.value.returncode == 1
        message = str(caught.value)
        assert message.startswith(
            "PROCTORING_BACKENDS disagrees with the decision captured for studio.show_review_rules "
            "(show_review_rules = True)"
        )
        assert all(line in message for line in plan_text.snippet_lines(SNIPPET))
        assert f.row_total() == 2

    @override_settings(PROCTORING_BACKENDS=DISAGREE)
    def test_force_prunes_anyway_and_says_so(self):
        report = json.loads(run("prune", "--force", "--format", "json"))
        assert (report["forced"], report["note"]) == (
            True,
            "pruned, though the settings disagree with the decision (--force)",
        )
        assert f.row_total() == 0

    @override_settings(PROCTORING_BACKENDS=DISAGREE)
    def test_dry_run_says_the_real_run_would_refuse(self):
        text = run("prune", "--dry-run")
        assert "The real run would refuse: PROCTORING_BACKENDS disagrees with the captured decision." in text
        assert "(prune --force prunes anyway.)" in text
        assert json.loads(run("prune", "--dry-run", "--format", "json"))["would_refuse"] is True

    @override_settings(PROCTORING_BACKENDS=AGREE)
    def test_dry_run_says_the_real_run_would_prune(self):
        assert "The real run would prune: the settings agree with the captured decision." in run("prune", "--dry-run")
        assert json.loads(run("prune", "--dry-run", "--format", "json"))["would_refuse"] is False

    @override_settings(PROCTORING_BACKENDS=AGREE)
    def test_agreeing_settings_prune_without_force(self):
        report = json.loads(run("prune", "--format", "json"))
        assert (report["forced"], report["note"]) == (False, "pruned")


@ddt.ddt
class NextStepTest(TestCase):
    """verify, prune --dry-run, prune and restore each end with the one next command."""

    def setUp(self):
        f.forget_captures()
        f.flag(everyone=True)

    def _last_line(self, *args):
        try:
            return run(*args).rstrip("\n").splitlines()[-1]
        except CommandError:
            pytest.fail("the command refused")
            raise  # unreachable: pytest.fail raises

    def test_verify_before_any_capture(self):
        out = StringIO()
        with pytest.raises(CommandError):
            call_command("retire_toggle", "verify", stdout=out)
        assert out.getvalue().rstrip("\n").splitlines()[-1] == "Next: manage.py migrate toggles_migration"

    @ddt.data(
        (AGREE, "Next: manage.py retire_toggle prune --dry-run"),
        (
            DISAGREE,
            "Next: merge the snippet into PROCTORING_BACKENDS (LMS and CMS), restart, then manage.py retire_toggle "
            "verify",
        ),
    )
    @ddt.unpack
    def test_verify(self, backends, expected):
        capture.capture(f.context())
        out = StringIO()
        with override_settings(PROCTORING_BACKENDS=backends), contextlib.suppress(CommandError):
            call_command("retire_toggle", "verify", stdout=out)
        assert out.getvalue().rstrip("\n").splitlines()[-1] == expected

    @override_settings(PROCTORING_BACKENDS=AGREE)
    def test_prune_dry_run_then_prune_then_restore(self):
        capture.capture(f.context())
        assert self._last_line("prune", "--dry-run") == "Next: manage.py retire_toggle prune"
        assert self._last_line("prune") == (
            "Next: manage.py retire_toggle status (remaining reads of the flag); to undo: manage.py retire_toggle "
            "restore"
        )
        assert self._last_line("restore") == "Next: manage.py retire_toggle verify"

    @override_settings(PROCTORING_BACKENDS=AGREE)
    def test_json_carries_the_next_step(self):
        capture.capture(f.context())
        assert json.loads(run("prune", "--dry-run", "--format", "json"))["next"] == "manage.py retire_toggle prune"
