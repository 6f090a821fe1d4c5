"""Shaped like edx-platform's {lms,cms}/envs/devstack.py: common, the devstack hooks, then private.py."""

from edx_django_utils.plugins import add_plugins

from test_utils.deployments import hook_order, patch_code
from test_utils.deployments.common import *  # noqa: F403  pylint: disable=wildcard-import,unused-wildcard-import

with hook_order():
    add_plugins(__name__, PROJECT_TYPE, "devstack")  # noqa: F405

# `from .private import *`: the developer's overrides come last.
exec(patch_code())  # pylint: disable=exec-used  # the settings code the deployment appends
