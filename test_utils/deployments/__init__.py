"""
Settings modules shaped like the real deployments' settings, loaded in fresh processes by the tests.

Each follows the order of its original: edx-platform's common then production (or devstack) settings with
every plugin's hooks, Tutor's production settings with the operator's patches last, and a plain Django project.
Environment variables choose the variant: TM_PROJECT (lms, cms), TM_YAML (the operator's YAML file),
TM_HOOK_ORDER (entry-points, proctoring-first, proctoring-last) and TM_PATCH (Python code of a settings patch).
"""

import contextlib
import os

from edx_django_utils.plugins import registry

_PROCTORING_APP = "edx_proctoring"


def _proctoring_last():
    """Return None for stevedore's own order, else whether edx-proctoring comes after the other plugins."""
    order = os.environ.get("TM_HOOK_ORDER", "entry-points")
    return None if order == "entry-points" else order == "proctoring-last"


@contextlib.contextmanager
def hook_order():
    """
    List plugin apps in the order TM_HOOK_ORDER names; 'entry-points' leaves stevedore's order.

    The entry points' order is the order of every settings hook and, through INSTALLED_APPS, of every ready().
    """
    last = _proctoring_last()
    if last is None:
        yield
        return
    original = registry.get_plugin_app_configs

    def ordered(project_type):
        configs = list(original(project_type))
        return sorted(configs, key=lambda config: (config.name == _PROCTORING_APP) == last)

    registry.get_plugin_app_configs = ordered
    try:
        yield
    finally:
        registry.get_plugin_app_configs = original


def ordered_apps(apps):
    """Return the dotted AppConfig paths ``apps`` in the order TM_HOOK_ORDER names (a plain project lists them)."""
    last = _proctoring_last()
    if last is None:
        return list(apps)
    return sorted(apps, key=lambda app: (app.split(".")[0] == _PROCTORING_APP) == last)


def patch_code():
    """Return the operator's settings patch (Python code), as Tutor renders patches into its settings files."""
    return os.environ.get("TM_PATCH", "")
