"""One test per system check ID."""

from unittest import mock

import ddt
from django.apps import apps
from django.conf import settings
from django.core import checks
from django.test import SimpleTestCase, TestCase, override_settings

from tests.declared import legacy_values
from toggles_migration.checks import notices as n
from toggles_migration.checks import system as checks_module
from toggles_migration.checks.system import (
    check_backends_loaded,
    check_captured_decisions,
    check_settings,
    check_waffle_installed,
)
from toggles_migration.retirements import managed_options
from toggles_migration.settings.authority import apply_settings_shim
from toggles_migration.state import capture, context, restore

CLEAN = {"DEFAULT": "proctortrack", "proctortrack": legacy_values()}


def option_values():
    """(name, upstream default, legacy value) of every declared option."""
    return [(option.name, option.upstream_default, option.legacy_value) for option in managed_options()]


def messages():
    """(id, level class) of every message of our check."""
    return [(message.id, type(message)) for message in check_settings()]


@ddt.ddt
class ChecksTest(SimpleTestCase):
    """Each ID fires for its problem alone, with a hint naming the settings path to change."""

    @override_settings(PROCTORING_BACKENDS=CLEAN)
    def test_clean_settings_report_nothing(self):
        assert not check_settings()

    @override_settings(PROCTORING_BACKENDS={"DEFAULT": "x", "x": "nope"})
    def test_e001_invalid_proctoring_backends(self):
        [message] = check_settings()
        assert (message.id, type(message)) == (n.INVALID_PROCTORING_BACKENDS, checks.Error)
        assert message.msg == "PROCTORING_BACKENDS['x'] must be a dict of backend options, found str."
        assert message.hint == "Fix: set PROCTORING_BACKENDS['x'] = {} or a dict of that backend's options."

    @override_settings(PROCTORING_BACKENDS={"x": {}})
    def test_e002_default_missing(self):
        assert messages() == [(n.DEFAULT_MISSING, checks.Error)]
        assert check_settings()[0].hint == "Fix: add PROCTORING_BACKENDS['DEFAULT'] = '<backend>' naming one of: 'x'."

    @override_settings(PROCTORING_BACKENDS={"DEFAULT": ["x"], "x": {}})
    def test_e003_default_not_a_string(self):
        assert messages() == [(n.DEFAULT_NOT_A_STRING, checks.Error)]

    @override_settings(PROCTORING_BACKENDS={"DEFAULT": "y", "x": {}})
    def test_e004_default_unknown_backend(self):
        assert messages() == [(n.DEFAULT_UNKNOWN_BACKEND, checks.Error)]
        assert "PROCTORING_BACKENDS['DEFAULT']" in check_settings()[0].hint

    @ddt.data(
        (["proctortrack"], "TOGGLES_MIGRATION must be a dict, found list."),
        ({"LEGACY_BACKEND": ["x"]}, "TOGGLES_MIGRATION['LEGACY_BACKEND'] is not a known key."),
    )
    @ddt.unpack
    def test_e005_invalid_toggles_migration(self, value, message):
        with override_settings(TOGGLES_MIGRATION=value):
            [found] = check_settings()
        assert (found.id, found.msg) == (n.INVALID_TOGGLES_MIGRATION, message)

    @override_settings(TOGGLES_MIGRATION="bad")
    def test_e005_reported_without_proctoring_backends(self):
        del settings.PROCTORING_BACKENDS
        assert messages() == [(n.INVALID_TOGGLES_MIGRATION, checks.Error)]

    def test_project_without_proctoring_backends_reports_nothing(self):
        with override_settings():
            del settings.PROCTORING_BACKENDS
            assert not check_settings()

    def test_e006_waffle_not_installed(self):
        with mock.patch.object(checks_module.apps, "is_installed", return_value=False):
            [message] = check_waffle_installed()
        assert (message.id, type(message)) == (n.WAFFLE_NOT_INSTALLED, checks.Error)
        assert message.hint == "Fix: add 'waffle' to INSTALLED_APPS (edx-platform always has it)."

    def test_waffle_installed_reports_nothing(self):
        assert not check_waffle_installed()

    @override_settings(PROCTORING_BACKENDS={**CLEAN, "x": {"SHOW_REVIEW_RULES": True}})
    def test_w001_legacy_spelling(self):
        assert messages() == [(n.LEGACY_SPELLING, checks.Warning)]
        assert check_settings()[0].hint == "Fix: rename it: \"show_review_rules\": True in PROCTORING_BACKENDS['x']."

    @override_settings(PROCTORING_BACKENDS={**CLEAN, "x": {"requires_escalation_email": "0"}})
    def test_w002_coerced_value(self):
        assert messages() == [(n.COERCED_VALUE, checks.Warning)]

    @override_settings(PROCTORING_BACKENDS={**CLEAN, "x": {"show_review_rule": False}})
    def test_w003_possible_misspelling(self):
        assert messages() == [(n.POSSIBLE_MISSPELLING, checks.Warning)]

    @override_settings(
        PROCTORING_BACKENDS={
            "DEFAULT": "proctortrack",
            "proctortrack": {
                name: value for name, value in legacy_values().items() if name != "requires_escalation_email"
            },
        }
    )
    def test_w004_legacy_rule_applied(self):
        assert messages() == [(n.LEGACY_RULE_APPLIED, checks.Warning)]
        assert check_settings()[0].hint == (
            "Fix: make it explicit: add \"requires_escalation_email\": True to PROCTORING_BACKENDS['proctortrack'] "
            "(YAML: requires_escalation_email: true)."
        )

    @override_settings(PROCTORING_BACKENDS={**CLEAN, "x": {}})
    def test_e007_changed_after_ready(self):
        settings.PROCTORING_BACKENDS["proctortrack"]["show_review_rules"] = "false"
        # The shim reads the late value as it would have (W002); upstream reads the raw string (E007).
        assert messages() == [(n.COERCED_VALUE, checks.Warning), (n.SETTINGS_CHANGED_AFTER_READY, checks.Error)]
        message = check_settings()[1]
        assert message.msg == (
            "PROCTORING_BACKENDS['proctortrack']['show_review_rules'] reads as a str at run time, not the boolean "
            "the settings shim made of it (False): something replaced or changed PROCTORING_BACKENDS after "
            "toggles_migration normalised it when the app was ready, and upstream now reads that value unchecked "
            "(a string such as 'false' counts as true)."
        )
        assert message.hint.startswith("Fix: assign PROCTORING_BACKENDS only in settings (YAML, a settings module")

    @ddt.data(
        # (what code does at run time, after the app was ready; what check_settings reports then)
        (
            "settings.PROCTORING_BACKENDS['proctortrack']['show_review_rules'] = True",
            [
                (
                    n.SETTINGS_CHANGED_AFTER_READY,
                    "PROCTORING_BACKENDS['proctortrack']['show_review_rules'] changed from False to True after "
                    "toggles_migration normalised it when the app was ready: upstream now reads True in this "
                    "process, a value that the settings did not give it.",
                )
            ],
        ),
        (
            "del settings.PROCTORING_BACKENDS['proctortrack']['requires_escalation_email']",
            [
                # The report reads the entry as the operator now leaves it: unset, so the legacy rule's.
                (
                    n.LEGACY_RULE_APPLIED,
                    "PROCTORING_BACKENDS['proctortrack']['requires_escalation_email'] is unset; 'proctortrack' is a "
                    "legacy backend, so it keeps the legacy value True (upstream would default to False).",
                ),
                (
                    n.SETTINGS_CHANGED_AFTER_READY,
                    "PROCTORING_BACKENDS['proctortrack']['requires_escalation_email'] changed from True to False "
                    "after toggles_migration normalised it when the app was ready: upstream now reads False in this "
                    "process, a value that the settings did not give it.",
                ),
            ],
        ),
        (
            "settings.PROCTORING_BACKENDS['y'] = {}",
            [
                (
                    n.SETTINGS_CHANGED_AFTER_READY,
                    "PROCTORING_BACKENDS['y'] was added after toggles_migration normalised it when the app was "
                    "ready; the settings shim never read it, so upstream reads its options as written, or their "
                    "upstream defaults, never the legacy-preserving values.",
                )
            ],
        ),
        (
            "del settings.PROCTORING_BACKENDS['x']",
            [
                (
                    n.SETTINGS_CHANGED_AFTER_READY,
                    "PROCTORING_BACKENDS['x'] was removed after toggles_migration normalised it when the app was "
                    "ready; upstream now reads the upstream defaults of its options for the courses on 'x', and "
                    "edx-proctoring has no settings for it.",
                )
            ],
        ),
        (
            "settings.PROCTORING_BACKENDS['DEFAULT'] = 'x'",
            [
                (
                    n.SETTINGS_CHANGED_AFTER_READY,
                    "PROCTORING_BACKENDS['DEFAULT'] changed from 'proctortrack' to 'x' after toggles_migration "
                    "normalised it when the app was ready: courses without a provider of their own now use 'x'.",
                )
            ],
        ),
        (
            "settings.PROCTORING_BACKENDS['DEFAULT'] = 'missing'",
            [
                (
                    n.DEFAULT_UNKNOWN_BACKEND,
                    "PROCTORING_BACKENDS['DEFAULT'] is 'missing', which is not a configured backend.",
                ),
                (
                    n.SETTINGS_CHANGED_AFTER_READY,
                    "PROCTORING_BACKENDS['DEFAULT'] changed from 'proctortrack' to 'missing' after toggles_migration "
                    "normalised it when the app was ready: courses without a provider of their own now use "
                    "'missing'.",
                ),
            ],
        ),
        (
            "del settings.PROCTORING_BACKENDS['DEFAULT']",
            [
                (
                    n.DEFAULT_MISSING,
                    "PROCTORING_BACKENDS has no 'DEFAULT' entry, so courses without a provider have none.",
                ),
                (
                    n.SETTINGS_CHANGED_AFTER_READY,
                    "PROCTORING_BACKENDS['DEFAULT'] changed from 'proctortrack' to nothing (removed) after "
                    "toggles_migration normalised it when the app was ready: courses without a provider of their "
                    "own now have none.",
                ),
            ],
        ),
        (
            "settings.PROCTORING_BACKENDS['DEFAULT'] = ['x']",
            [
                (
                    n.DEFAULT_NOT_A_STRING,
                    "PROCTORING_BACKENDS['DEFAULT'] must be the name of a backend (a str), found list.",
                ),
                (
                    n.SETTINGS_CHANGED_AFTER_READY,
                    "PROCTORING_BACKENDS['DEFAULT'] changed from 'proctortrack' to a list after toggles_migration "
                    "normalised it when the app was ready: courses without a provider of their own now get no "
                    "backend: the lookup fails.",
                ),
            ],
        ),
        (
            "settings.PROCTORING_BACKENDS['x'] = 'https://...'",
            [
                (
                    n.INVALID_PROCTORING_BACKENDS,
                    "PROCTORING_BACKENDS['x'] must be a dict of backend options, found str.",
                ),
                (
                    n.SETTINGS_CHANGED_AFTER_READY,
                    "PROCTORING_BACKENDS['x'] was replaced by a str after toggles_migration normalised it when the "
                    "app was ready; upstream's reads of its options now fail.",
                ),
            ],
        ),
        (
            "settings.PROCTORING_BACKENDS = ['proctortrack']",
            [
                (n.INVALID_PROCTORING_BACKENDS, "PROCTORING_BACKENDS must be a dict, found list."),
                (
                    n.SETTINGS_CHANGED_AFTER_READY,
                    "PROCTORING_BACKENDS was replaced by a list after toggles_migration normalised it when the app "
                    "was ready; upstream's reads of it now fail.",
                ),
            ],
        ),
    )
    @ddt.unpack
    def test_e007_reports_each_change_of_what_upstream_reads(self, code, expected):
        with override_settings(PROCTORING_BACKENDS={**CLEAN, "x": {}}):
            exec(code, {"settings": settings})  # pylint: disable=exec-used  # a literal of this table
            found = check_settings()
        assert [(message.id, message.msg) for message in found] == expected
        assert found[-1].hint == (
            "Fix: assign PROCTORING_BACKENDS only in settings (YAML, a settings module or a Tutor patch), which are "
            "final before the app is ready; code that changes it at run time must call "
            "toggles_migration.apply_settings_shim(django.conf.settings) afterwards. Look for a late "
            "`settings.PROCTORING_BACKENDS = ...`, or a change of it in place, in plugins or custom code."
        )

    @override_settings(PROCTORING_BACKENDS={**CLEAN, "x": {}})
    def test_e007_not_raised_for_the_same_value_written_in_place(self):
        settings.PROCTORING_BACKENDS["proctortrack"].update(legacy_values())
        assert not check_settings()

    @override_settings(PROCTORING_BACKENDS={**CLEAN, "x": {}})
    def test_e007_cleared_by_applying_the_shim_after_a_change(self):
        settings.PROCTORING_BACKENDS["proctortrack"]["show_review_rules"] = True
        apply_settings_shim(settings)
        assert not check_settings()

    @override_settings(PROCTORING_BACKENDS={**CLEAN, "x": {}})
    def test_e007_when_the_report_no_longer_describes_what_upstream_reads(self):
        # TOGGLES_MIGRATION assigned at run time (no override_settings, so no signal): the report takes 'x' for a
        # legacy backend, while upstream reads the values the shim gave 'x' as an ordinary backend.
        settings.TOGGLES_MIGRATION = {"LEGACY_BACKENDS": ["proctortrack", "x"]}
        found = [message for message in check_settings() if message.id == n.SETTINGS_CHANGED_AFTER_READY]
        assert [message.msg for message in found] == [
            f"PROCTORING_BACKENDS['x'][{option!r}] reads as {default} at run time, but toggles_migration reports "
            f"{legacy}: TOGGLES_MIGRATION or the declared retirements changed since the settings shim normalised "
            "PROCTORING_BACKENDS, and the report follows them while upstream does not."
            for option, default, legacy in option_values()
            if default != legacy
        ]
        assert found[0].hint == (
            "Fix: set TOGGLES_MIGRATION in settings, which are final before the app is ready, and register "
            "retirements in the ready() of an app listed before toggles_migration in INSTALLED_APPS; code that "
            "changes either later must call toggles_migration.apply_settings_shim(django.conf.settings) afterwards."
        )

    @override_settings(PROCTORING_BACKENDS={"DEFAULT": "x", "x": {}})
    def test_e007_not_raised_for_a_replacement_that_reads_the_same(self):
        settings.PROCTORING_BACKENDS = {"DEFAULT": "x", "x": {"show_review_rules": True}}
        assert not check_settings()

    def test_check_is_registered(self):
        assert check_settings in checks.registry.registry.get_checks()

    @override_settings(PROCTORING_BACKENDS=CLEAN)
    def test_w006_backend_not_loaded(self):
        # Every case of W006's message: tests/test_backend_loading.py.
        with mock.patch("toggles_migration.checks.backend_loading.loaded_backends", return_value=set().__contains__):
            [message] = check_backends_loaded()
        assert (message.id, type(message)) == (n.BACKEND_NOT_LOADED, checks.Warning)
        assert message.msg.startswith("The proctoring backend 'proctortrack' is not loaded by edx-proctoring")


class DatabaseChecksTest(TestCase):
    """The database-tagged check compares the settings with the captured decision."""

    def setUp(self):
        restore.uncapture(context.make_context(apps, "studio.show_review_rules"))
        # Nothing stored: the decision is the global default, False.
        capture.capture(context.make_context(apps, "studio.show_review_rules"))

    @override_settings(PROCTORING_BACKENDS={"DEFAULT": "proctortrack", "proctortrack": {"show_review_rules": True}})
    def test_w005_settings_disagree_with_capture(self):
        found = check_captured_decisions(databases=["default"])
        assert len(found) == 1
        message = found[0]
        assert (message.id, type(message)) == (n.SETTINGS_DISAGREE_WITH_CAPTURE, checks.Warning)
        assert "{'proctortrack': {'requires_escalation_email': True, 'show_review_rules': False}}" in message.hint

    @override_settings(PROCTORING_BACKENDS=CLEAN)
    def test_agreeing_settings_report_nothing(self):
        assert not check_captured_decisions(databases=["default"])

    def test_runs_only_when_databases_are_checked(self):
        with override_settings(PROCTORING_BACKENDS={"DEFAULT": "proctortrack", "proctortrack": {}}):
            assert not check_captured_decisions(databases=None)


def test_every_declared_id_is_tested():
    tested = {
        name[len("test_") :].split("_")[0].upper()
        for cls in (ChecksTest, DatabaseChecksTest)
        for name in dir(cls)
        if name.startswith("test_")
    }
    declared = {check_id.rsplit(".", 1)[1] for check_id in n.CHECK_TITLES}
    assert declared <= tested
