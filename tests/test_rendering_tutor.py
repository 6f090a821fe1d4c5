"""The snippet in Tutor's words: the ``tutor config save --set`` line that retire_toggle prints."""

import shlex

import ddt
import yaml
from django.test import SimpleTestCase, override_settings

from toggles_migration.management import plan_text
from toggles_migration.settings.config import tutor_backend_options

SNIPPET = {"proctortrack": {"requires_escalation_email": True, "show_review_rules": False}}
LINE = (
    "tutor config save --set 'TOGGLES_MIGRATION_BACKEND_OPTIONS="
    '{"proctortrack": {"requires_escalation_email": true, "show_review_rules": false}}\''
)


def parsed(line):
    """What a POSIX shell hands Tutor, then the value Tutor reads from ``KEY=VALUE`` (YAML)."""
    words = shlex.split(line)
    assert words[:4] == ["tutor", "config", "save", "--set"]
    assert len(words) == 5
    key, _, value = words[4].partition("=")
    assert key == "TOGGLES_MIGRATION_BACKEND_OPTIONS"
    return yaml.safe_load(value)


@ddt.ddt
class TutorLineTest(SimpleTestCase):
    """tutor_line() and its place at the end of snippet_lines()."""

    def test_line_for_the_snippet(self):
        assert plan_text.tutor_line(SNIPPET) == LINE

    def test_snippet_lines_end_with_the_tutor_line(self):
        assert plan_text.snippet_lines(SNIPPET)[-2:] == [
            "or with Tutor's toggles-migration plugin (--set replaces the key; this value keeps what it holds):",
            f"    {LINE}",
        ]

    def test_no_snippet_no_line(self):
        assert not plan_text.snippet_lines({})

    def test_tutor_reads_back_the_snippet(self):
        snippet = {
            "alpha": {"requires_escalation_email": True, "show_review_rules": True},
            "zeta": {"show_review_rules": True},
        }
        assert parsed(plan_text.tutor_line(snippet)) == snippet

    @override_settings(
        TOGGLES_MIGRATION_TUTOR_BACKEND_OPTIONS={
            "verificient": {"requires_escalation_email": False},
            "proctortrack": {"requires_escalation_email": True, "show_review_rules": True},
        }
    )
    def test_keeps_what_the_key_holds(self):
        line = plan_text.tutor_line({"proctortrack": {"show_review_rules": False}}, tutor_backend_options())
        assert parsed(line) == {
            "proctortrack": {"requires_escalation_email": True, "show_review_rules": False},
            "verificient": {"requires_escalation_email": False},
        }

    @ddt.data(None, [], "proctortrack", {"proctortrack": "yes"}, {1: {"show_review_rules": True}})
    def test_ignores_a_recorded_value_it_cannot_read(self, held):
        with override_settings(TOGGLES_MIGRATION_TUTOR_BACKEND_OPTIONS=held):
            assert plan_text.tutor_line(SNIPPET, tutor_backend_options()) == LINE

    def test_quotes_a_backend_name_for_the_shell(self):
        snippet = {"it's; $(touch pwned) `id`": {"show_review_rules": True}}
        line = plan_text.tutor_line(snippet)
        assert parsed(line) == snippet
        assert line.endswith('"it\'"\'"\'s; $(touch pwned) `id`": {"show_review_rules": true}}\'')
