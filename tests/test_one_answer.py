"""Once a decision is captured, every hint that proposes a value for the retired flag's option gives it."""

import json
from io import StringIO

import ddt
from django.core.management import call_command
from django.test import TestCase, override_settings

from tests import factories as f
from toggles_migration.checks.system import check_captured_decisions, check_settings
from toggles_migration.management import plan_text
from toggles_migration.models import Capture
from toggles_migration.state import capture, context

# proctortrack with no options: W004 twice, the legacy value False for show_review_rules.
UNSET = {"DEFAULT": "proctortrack", "proctortrack": {"client_id": "x"}}


def w004_hints():
    """The W004 hints of the system check, by option."""
    return {
        message.msg.split("[")[2].split("]")[0].strip("'"): message.hint
        for message in check_settings()
        if message.id == "toggles_migration.W004"
    }


def settings_hints():
    """The W004 hints of `retire_toggle settings --format json`, by option."""
    out = StringIO()
    call_command("retire_toggle", "settings", "--format", "json", stdout=out)
    notices = json.loads(out.getvalue())["notices"]
    return {
        notice["message"].split("[")[2].split("]")[0].strip("'"): notice["hint"]
        for notice in notices
        if notice["id"] == "toggles_migration.W004"
    }


@override_settings(PROCTORING_BACKENDS=UNSET)
class BeforeCaptureTest(TestCase):
    """Before any capture, W004 gives the legacy value and says how to compute a better one."""

    def setUp(self):
        f.forget_captures()

    def test_w004_gives_the_legacy_value_and_the_way_to_a_decision(self):
        assert w004_hints()["show_review_rules"] == (
            "Fix: make it explicit: add \"show_review_rules\": False to PROCTORING_BACKENDS['proctortrack'] "
            "(YAML: show_review_rules: false), the legacy value; `manage.py migrate`, then `manage.py "
            "retire_toggle plan`, computes the value that keeps the most courses as they were."
        )

    def test_the_companion_option_keeps_its_plain_hint(self):
        assert w004_hints()["requires_escalation_email"] == (
            "Fix: make it explicit: add \"requires_escalation_email\": True to PROCTORING_BACKENDS['proctortrack'] "
            "(YAML: requires_escalation_email: true)."
        )


@ddt.ddt
@override_settings(PROCTORING_BACKENDS=UNSET)
class AfterCaptureTest(TestCase):
    """After the capture: W004, settings, verify, W005, the migration summary and the plan all give the decision."""

    def setUp(self):
        f.forget_captures()

    def _capture(self, status, decision_override=None):
        seeders = {
            "absent": lambda: None,
            "uniform": lambda: f.flag(everyone=True),
            "lossy": lambda: (
                f.flag(everyone=True),
                f.course("course-v1:edX+A+1"),
                f.course("course-v1:edX+B+1"),
                f.course("course-v1:edX+C+1"),
                f.course_override("course-v1:edX+C+1", "off"),
            ),
            "conditional": lambda: f.flag(staff=True),
        }
        seeders[status]()
        plan = capture.capture(f.context(decision_override=decision_override)).plan
        header = context.get_capture(f.context())
        assert header.decision_status == status
        return header.decision_value, plan

    def _every_proposed_value(self, summary_plan):

        proposed = {}
        proposed["W004"] = w004_hints()["show_review_rules"]
        proposed["settings"] = settings_hints()["show_review_rules"]
        proposed["verify"] = capture.verify(f.context()).snippet["proctortrack"]["show_review_rules"]
        [w005] = check_captured_decisions(databases=["default"]) or [None]
        proposed["W005"] = w005.hint if w005 else None
        proposed["summary"] = plan_text.migration_summary(summary_plan)
        out = StringIO()
        call_command("retire_toggle", "plan", "--format", "json", stdout=out)
        plan = json.loads(out.getvalue())
        proposed["plan"] = plan["snippet"]["proctortrack"]["show_review_rules"]
        return proposed, plan

    @ddt.data(
        ("absent", None),
        ("uniform", None),
        ("lossy", None),
        ("conditional", None),
        ("uniform", False),
        ("lossy", False),
    )
    @ddt.unpack
    def test_every_hint_gives_the_captured_decision(self, status, operator_value):
        value, summary_plan = self._capture(status, operator_value)
        proposed, plan = self._every_proposed_value(summary_plan)
        line = f'"show_review_rules": {value}'
        assert line in proposed["W004"] and "the decision migration 0002 captured" in proposed["W004"]
        assert line in proposed["settings"]
        assert proposed["verify"] is value
        if proposed["W005"] is not None:
            assert f"'show_review_rules': {value}" in proposed["W005"]
        assert f"show_review_rules = {value}" in proposed["summary"]
        assert proposed["plan"] is value
        assert plan["decision"]["value"] is value
        assert plan["decision"]["source"] == "captured"


@override_settings(PROCTORING_BACKENDS=UNSET)
class OperatorValueTest(TestCase):
    """``plan --value`` still answers "what if?" after a capture."""

    def test_plan_value_wins_over_the_captured_decision(self):
        f.forget_captures()
        f.flag(everyone=True)
        capture.capture(f.context())
        out = StringIO()
        call_command("retire_toggle", "plan", "--value", "false", "--format", "json", stdout=out)
        plan = json.loads(out.getvalue())
        assert (plan["decision"]["value"], plan["decision"]["source"]) == (False, "operator")
        assert Capture.objects.get().decision_value is True
