"""The Open edX plugin contract: registration and the settings hooks run by edx-platform."""
# pylint: disable=no-member  # the fake settings modules (types.ModuleType) get their attributes at run time

import sys
import types

import ddt
import pytest
from django.test import SimpleTestCase
from edx_django_utils.plugins import get_plugin_apps
from edx_django_utils.plugins.plugin_settings import add_plugins

from tests.declared import legacy_values
from toggles_migration.settings import common

APP = "toggles_migration.apps.TogglesMigrationConfig"
OPERATOR_BACKENDS = {"DEFAULT": "proctortrack", "proctortrack": {"client_secret": "x"}}


@pytest.fixture(name="host_settings")
def host_settings_fixture():
    """A fake edx-platform settings module, importable by name as add_plugins requires."""
    module = types.ModuleType("fake_host_settings")
    # edx-proctoring's common hook, installed beside us as on every Open edX, registers its JS bundle here.
    module.PIPELINE = {"JAVASCRIPT": {}}
    sys.modules[module.__name__] = module
    yield module
    del sys.modules[module.__name__]


@pytest.mark.parametrize("project_type", ["lms.djangoapp", "cms.djangoapp"])
def test_registered_as_plugin_app(project_type):
    assert APP in get_plugin_apps(project_type)


@pytest.mark.parametrize("project_type", ["lms.djangoapp", "cms.djangoapp"])
@pytest.mark.parametrize("settings_type", ["production", "devstack", "test"])
def test_hooks_normalise_the_operator_value(host_settings, project_type, settings_type):
    host_settings.PROCTORING_BACKENDS = dict(OPERATOR_BACKENDS)
    add_plugins(host_settings.__name__, project_type, settings_type)
    assert host_settings.PROCTORING_BACKENDS["proctortrack"] == {"client_secret": "x", **legacy_values()}


@pytest.mark.parametrize("project_type", ["lms.djangoapp", "cms.djangoapp"])
def test_common_hook_declares_defaults_only(host_settings, project_type):
    host_settings.PROCTORING_BACKENDS = {"DEFAULT": "null", "null": {}}
    add_plugins(host_settings.__name__, project_type, "common")
    assert host_settings.TOGGLES_MIGRATION == {}
    # The YAML loads after common, so normalising here would be wasted and misleading.
    assert host_settings.PROCTORING_BACKENDS == {"DEFAULT": "null", "null": {}}


@ddt.ddt
class HookTest(SimpleTestCase):
    """The hooks never clobber what the operator set."""

    def test_common_keeps_an_operator_value(self):
        module = types.SimpleNamespace(TOGGLES_MIGRATION={"LEGACY_BACKENDS": ["ptv2"]})
        common.plugin_settings(module)
        assert module.TOGGLES_MIGRATION == {"LEGACY_BACKENDS": ["ptv2"]}

    def test_production_leaves_other_settings_alone(self):
        from toggles_migration.settings import production  # pylint: disable=import-outside-toplevel

        module = types.ModuleType("fake")
        module.PROCTORING_BACKENDS = {"DEFAULT": "null", "null": {}}
        module.FEATURES = {"ENABLE_SPECIAL_EXAMS": True}
        production.plugin_settings(module)
        assert module.FEATURES == {"ENABLE_SPECIAL_EXAMS": True}
        assert module.TOGGLES_MIGRATION_SHIM_RESULT.value is module.PROCTORING_BACKENDS
