"""Tests of the TOGGLES_MIGRATION accessor."""

import types
from unittest import mock

import ddt
import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.test import SimpleTestCase, override_settings

from toggles_migration.retirements import declared_names
from toggles_migration.settings.config import DEFAULTS, parse_settings, read_settings


@ddt.ddt
class ReadSettingsTest(SimpleTestCase):
    """Defaults in one place, read when called, every bad value named with its type and the fix."""

    def test_defaults_when_unset(self):
        assert read_settings().legacy_backends == ("proctortrack",)
        assert DEFAULTS["LEGACY_BACKENDS"] == ("proctortrack",)

    @override_settings(TOGGLES_MIGRATION={"LEGACY_BACKENDS": ["proctortrack", "proctortrack_v2"]})
    def test_read_when_called(self):
        assert read_settings().legacy_backends == ("proctortrack", "proctortrack_v2")

    def test_reads_a_settings_module(self):
        module = types.ModuleType("fake_settings")
        module.TOGGLES_MIGRATION = {"LEGACY_BACKENDS": []}
        assert read_settings(module).legacy_backends == ()

    @ddt.data(
        ("on", "TOGGLES_MIGRATION must be a dict, found str."),
        (
            {"LEGACY_BACKENDS": "proctortrack"},
            "TOGGLES_MIGRATION['LEGACY_BACKENDS'] must be a list of backend names, found str.",
        ),
        (
            {"LEGACY_BACKENDS": ["proctortrack", 3]},
            "TOGGLES_MIGRATION['LEGACY_BACKENDS'][1] must be a non-empty backend name, found int.",
        ),
        (
            {"LEGACY_BACKENDS": [" "]},
            "TOGGLES_MIGRATION['LEGACY_BACKENDS'][0] must be a non-empty backend name, found str.",
        ),
        (
            {"LEGACY_BACKENDS": ["DEFAULT"]},
            "TOGGLES_MIGRATION['LEGACY_BACKENDS'][0] is 'DEFAULT', which is not a backend but the name of the "
            "default one.",
        ),
        ({"LEGACY_BACKEND": ["x"]}, "TOGGLES_MIGRATION['LEGACY_BACKEND'] is not a known key."),
    )
    @ddt.unpack
    def test_invalid(self, raw, message):
        with pytest.raises(ImproperlyConfigured) as raised:
            parse_settings(raw)
        assert raised.value.message == message
        assert raised.value.hint

    def test_unknown_key_suggests_the_close_one(self):
        with pytest.raises(ImproperlyConfigured, match="Fix: rename it to 'LEGACY_BACKENDS'"):
            parse_settings({"LEGACY_BACKEND": ["x"]})


class DecisionNamesTest(SimpleTestCase):
    """DECISIONS names declared retirements; apps declare theirs when ready, after the settings loaded."""

    def test_a_decision_naming_no_declared_retirement_is_refused(self):
        with pytest.raises(ImproperlyConfigured) as raised:
            parse_settings({"DECISIONS": {"studio.not_declared": True}})
        assert raised.value.message == (
            "TOGGLES_MIGRATION['DECISIONS'] names 'studio.not_declared', which is not a retired toggle."
        )
        assert raised.value.hint == f"use one of: {', '.join(sorted(declared_names()))}."

    def test_while_settings_load_a_decision_may_name_a_retirement_declared_later(self):
        with mock.patch.object(apps, "ready", False):
            parsed = parse_settings({"DECISIONS": {"studio.declared_later": True}})
        assert parsed.decisions == {"studio.declared_later": True}

    def test_a_value_read_while_settings_load_is_checked_once_the_apps_are_ready(self):
        module = types.SimpleNamespace(TOGGLES_MIGRATION={"DECISIONS": {"studio.declared_later": True}})
        with mock.patch.object(apps, "ready", False):
            assert read_settings(module).decisions == {"studio.declared_later": True}
        with pytest.raises(ImproperlyConfigured) as raised:
            read_settings(module)
        assert raised.value.message == (
            "TOGGLES_MIGRATION['DECISIONS'] names 'studio.declared_later', which is not a retired toggle."
        )
