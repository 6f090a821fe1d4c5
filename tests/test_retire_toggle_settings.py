"""Tests of ``manage.py retire_toggle settings``."""

import json
import logging
from io import StringIO

import ddt
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import SimpleTestCase, override_settings

from tests.declared import legacy_sources, option_names, upstream_defaults
from toggles_migration import apply_settings_shim

SECRET = "s3cr3t-value-that-must-never-leak"
BACKENDS = {
    "DEFAULT": "proctortrack",
    "proctortrack": {"client_id": "id", "client_secret": SECRET, "base_url": "https://pt.example.com"},
    "software_secure": {"SHOW_REVIEW_RULES": True, "requires_escalation_email": "false", "secret_key": SECRET},
    "null": {},
}


def run(*args):
    """Run the command and return its standard output."""
    out = StringIO()
    call_command("retire_toggle", "settings", *args, stdout=out)
    return out.getvalue()


@ddt.ddt
@override_settings(PROCTORING_BACKENDS=BACKENDS)
class SettingsActionTest(SimpleTestCase):
    """Each managed option's effective value and source, and no other key of any backend."""

    def test_json_lists_every_backend_and_source(self):
        report = json.loads(run("--format", "json"))
        assert report["default"] == "proctortrack"
        defaults = {name: {"source": "default", "value": value} for name, value in upstream_defaults().items()}
        assert report["backends"] == {
            "null": defaults,
            "proctortrack": {
                name: {"source": source, "value": value} for name, (value, source) in legacy_sources().items()
            },
            "software_secure": {
                **defaults,
                "requires_escalation_email": {"source": "coerced", "value": False},
                "show_review_rules": {"source": "legacy-spelling", "value": True},
            },
        }
        assert sorted(notice["id"] for notice in report["notices"]) == [
            "toggles_migration.W001",
            "toggles_migration.W002",
            *["toggles_migration.W004"] * len(option_names()),
        ]

    def test_explicit_source(self):
        with override_settings(PROCTORING_BACKENDS={"DEFAULT": "x", "x": {"show_review_rules": False}}):
            report = json.loads(run("--format", "json"))
        assert report["backends"]["x"]["show_review_rules"] == {"source": "explicit", "value": False}

    def test_text_report(self):
        lines = run().splitlines()
        text = "\n".join(lines)
        assert lines[:2] == ["PROCTORING_BACKENDS (DEFAULT: 'proctortrack')", "  null"]
        null = lines[2 : 2 + len(option_names())]
        assert "    requires_escalation_email   False  default" in null
        assert "    show_review_rules           True   default" in null
        assert "    show_review_rules           False  legacy-rule" in text
        assert "toggles_migration.W004 (warning)" in text

    @ddt.data(("--format", "json"), ("--format", "text"))
    def test_no_other_key_or_secret_is_printed(self, args):
        with self.assertLogs(level=logging.DEBUG) as logs:
            logging.getLogger("toggles_migration").debug("sentinel")
            output = run(*args)
        for forbidden in (SECRET, "client_secret", "client_id", "base_url", "secret_key", "pt.example.com"):
            assert forbidden not in output
            assert all(forbidden not in line for line in logs.output)

    def test_output_is_stable(self):
        assert run("--format", "json") == run("--format", "json")

    def test_recorded_sources_survive_settings_load(self):
        namespace = {"PROCTORING_BACKENDS": {"DEFAULT": "proctortrack", "proctortrack": {}}}
        apply_settings_shim(namespace)
        with override_settings(**namespace):
            report = json.loads(run("--format", "json"))
        # Normalising the normalised value again would call these explicit.
        assert report["backends"]["proctortrack"]["show_review_rules"]["source"] == "legacy-rule"

    def test_invalid_settings_fail_with_the_message(self):
        backends = {"DEFAULT": "x", "x": {"show_review_rules": SECRET}}
        with override_settings(PROCTORING_BACKENDS=backends), pytest.raises(CommandError) as raised:
            run()
        assert "PROCTORING_BACKENDS['x']['show_review_rules'] must be a boolean, found str" in str(raised.value)
        assert SECRET not in str(raised.value)

    def test_default_that_is_a_dict_is_shown_by_type(self):
        with override_settings(PROCTORING_BACKENDS={"DEFAULT": {"client_secret": SECRET}, "x": {}}):
            output = run("--format", "json")
        assert json.loads(output)["default"] == "<dict>"
        assert SECRET not in output

    def test_unset_setting(self):
        with override_settings():
            del settings.PROCTORING_BACKENDS
            assert run() == "PROCTORING_BACKENDS is not set: nothing to normalise.\n"


class CommandShapeTest(SimpleTestCase):
    """One command with sub-actions."""

    def test_action_is_required(self):
        with pytest.raises(CommandError, match="ACTION"):
            call_command("retire_toggle")

    def test_unknown_format_is_refused(self):
        with pytest.raises(CommandError):
            call_command("retire_toggle", "settings", "--format", "yaml", stderr=StringIO())
