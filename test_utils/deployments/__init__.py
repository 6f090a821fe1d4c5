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


@contextlib.contextmanager
def hook_order():
    """Run plugin hooks in the order TM_HOOK_ORDER names; 'entry-points' leaves stevedore's order."""
    order = os.environ.get("TM_HOOK_ORDER", "entry-points")
    if order == "entry-points":
        yield
        return
    original = registry.get_plugin_app_configs
    last = order == "proctoring-last"

    def ordered(project_type):
        configs = list(original(project_type))
        return sorted(configs, key=lambda config: (config.name == _PROCTORING_APP) == last)

    registry.get_plugin_app_configs = ordered
    try:
        yield
    finally:
        registry.get_plugin_app_configs = original


def patch_code():
    """Return the operator's settings patch (Python code), as Tutor renders patches into its settings files."""
    return os.environ.get("TM_PATCH", "")
