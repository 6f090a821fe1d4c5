"""The running PROCTORING_BACKENDS is the shim's result, whoever assigned it last."""

import types

import ddt
import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.test import SimpleTestCase, override_settings

from tests.declared import legacy_sources, legacy_values
from toggles_migration import capabilities
from toggles_migration.settings.authority import apply_settings_shim, effective_backends, finalise
from toggles_migration.settings.shim import RESULT_SETTING_NAME

SECRET = "s3cr3t-value-that-must-never-leak"


def sources(result, backend):
    """{option: (value, source)} of one backend."""
    return {option: (item.value, item.source) for option, item in result.options.get(backend, {}).items()}


def hooked(value, **extra):
    """A settings module after the shim normalised ``value`` (ready(), or a plain project's documented call)."""
    module = types.SimpleNamespace(PROCTORING_BACKENDS=value, **extra)
    apply_settings_shim(module)
    return module


@ddt.ddt
class LaterAssignmentTest(SimpleTestCase):
    """What happens after the shim ran: a replacement, a change in place, settings it reads changed."""

    def test_a_replacement_is_normalised_from_scratch(self):
        module = hooked({"DEFAULT": "proctortrack", "proctortrack": {"show_review_rules": True}})
        module.PROCTORING_BACKENDS = {"DEFAULT": "proctortrack", "proctortrack": {"show_review_rules": "false"}}
        result = apply_settings_shim(module)
        assert module.PROCTORING_BACKENDS["proctortrack"]["show_review_rules"] is False
        assert sources(result, "proctortrack") == legacy_sources(show_review_rules=(False, "coerced"))

    def test_an_unchanged_result_keeps_its_sources(self):
        module = hooked({"DEFAULT": "proctortrack", "proctortrack": {"SHOW_REVIEW_RULES": True}})
        first = getattr(module, RESULT_SETTING_NAME)
        assert apply_settings_shim(module) is first
        assert sources(first, "proctortrack")["show_review_rules"] == (True, "legacy-spelling")

    def test_a_change_in_place_keeps_the_sources_of_untouched_options(self):
        module = hooked({"DEFAULT": "proctortrack", "proctortrack": {"client_secret": SECRET}})
        module.PROCTORING_BACKENDS["proctortrack"].update({"show_review_rules": "yes"})
        result = apply_settings_shim(module)
        assert module.PROCTORING_BACKENDS["proctortrack"] == {
            "client_secret": SECRET,
            **legacy_values(show_review_rules=True),
        }
        assert sources(result, "proctortrack") == legacy_sources(show_review_rules=(True, "coerced"))

    def test_a_change_in_place_replaces_the_legacy_spelling(self):
        module = hooked({"DEFAULT": "proctortrack", "proctortrack": {"SHOW_REVIEW_RULES": True}})
        module.PROCTORING_BACKENDS["proctortrack"]["show_review_rules"] = False
        result = apply_settings_shim(module)
        assert sources(result, "proctortrack")["show_review_rules"] == (False, "explicit")

    def test_a_backend_added_in_place_is_normalised(self):
        module = hooked({"DEFAULT": "null", "null": {}})
        module.PROCTORING_BACKENDS["proctortrack"] = {"client_secret": SECRET}
        apply_settings_shim(module)
        assert module.PROCTORING_BACKENDS["proctortrack"]["requires_escalation_email"] is True

    def test_a_removed_option_falls_back_to_the_legacy_rule(self):
        module = hooked({"DEFAULT": "proctortrack", "proctortrack": {"requires_escalation_email": False}})
        del module.PROCTORING_BACKENDS["proctortrack"]["requires_escalation_email"]
        result = apply_settings_shim(module)
        assert sources(result, "proctortrack")["requires_escalation_email"] == (True, "legacy-rule")

    def test_legacy_backends_set_after_the_hook_are_applied(self):
        module = hooked({"DEFAULT": "ptv2", "ptv2": {}})
        assert module.PROCTORING_BACKENDS["ptv2"]["show_review_rules"] is True
        module.TOGGLES_MIGRATION = {"LEGACY_BACKENDS": ["ptv2"]}
        result = apply_settings_shim(module)
        assert sources(result, "ptv2")["show_review_rules"] == (False, "legacy-rule")

    def test_an_invalid_late_value_fails_naming_the_option_and_type(self):
        module = hooked({"DEFAULT": "null", "null": {}})
        module.PROCTORING_BACKENDS = {"DEFAULT": "x", "x": {"show_review_rules": "maybe", "client_secret": SECRET}}
        with pytest.raises(ImproperlyConfigured) as raised:
            apply_settings_shim(module)
        assert raised.value.message == (
            "PROCTORING_BACKENDS['x']['show_review_rules'] must be a boolean, found str that is not a recognised "
            "boolean value."
        )
        assert SECRET not in str(raised.value)


class RunningSettingsTest(SimpleTestCase):
    """``finalise`` (AppConfig.ready) and override_settings act on django.conf.settings."""

    @override_settings(PROCTORING_BACKENDS={"DEFAULT": "proctortrack", "proctortrack": {}})
    def test_override_settings_is_normalised_as_loading_would_be(self):
        assert settings.PROCTORING_BACKENDS["proctortrack"] == legacy_values()
        assert capabilities.show_review_rules("proctortrack") is False

    @override_settings(PROCTORING_BACKENDS={"DEFAULT": "x", "x": {"show_review_rules": "maybe"}})
    def test_override_settings_leaves_an_invalid_value_to_the_checks(self):
        assert settings.PROCTORING_BACKENDS["x"] == {"show_review_rules": "maybe"}

    @override_settings(PROCTORING_BACKENDS={"DEFAULT": "proctortrack", "proctortrack": {}})
    def test_finalise_normalises_a_value_changed_at_run_time(self):
        settings.PROCTORING_BACKENDS["proctortrack"]["show_review_rules"] = "off"
        finalise()
        assert settings.PROCTORING_BACKENDS["proctortrack"]["show_review_rules"] is False
        assert effective_backends().option("proctortrack", "requires_escalation_email").source == "legacy-rule"

    def test_finalise_without_proctoring_backends_does_nothing(self):
        with override_settings():
            del settings.PROCTORING_BACKENDS
            assert finalise() is None
