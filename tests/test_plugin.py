"""The Open edX plugin contract: registration and the settings hooks run by edx-platform."""
# pylint: disable=no-member  # the fake settings modules (types.ModuleType) get their attributes at run time

import sys
import types

import ddt
import pytest
from django.test import SimpleTestCase
from edx_django_utils.plugins import get_plugin_apps
from edx_django_utils.plugins.plugin_settings import add_plugins

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
def test_later_settings_leave_the_operator_value_to_ready(host_settings, project_type, settings_type):
    # edx-proctoring's production hook may run before or after ours: normalising here would give an answer that
    # depends on the entry points' order. ready() normalises the final value (tests/test_deployments.py).
    host_settings.PROCTORING_BACKENDS = operator_value = dict(OPERATOR_BACKENDS)
    add_plugins(host_settings.__name__, project_type, settings_type)
    assert host_settings.PROCTORING_BACKENDS is operator_value
    assert operator_value == OPERATOR_BACKENDS
    assert not hasattr(host_settings, "TOGGLES_MIGRATION_SHIM_RESULT")


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
