"""Shaped like edx-platform's {lms,cms}/envs/production.py: the YAML into globals, the aliases, then the hooks."""

import os

import yaml
from edx_django_utils.plugins import add_plugins

from test_utils.deployments import hook_order
from test_utils.deployments.common import *  # noqa: F403  pylint: disable=wildcard-import,unused-wildcard-import

with open(os.environ["TM_YAML"], encoding="utf-8") as _file:
    _YAML_TOKENS = yaml.safe_load(_file)

# Dict values stay the same objects as in _YAML_TOKENS, as upstream's vars().update() leaves them.
vars().update(_YAML_TOKENS)
ENV_TOKENS = _YAML_TOKENS
AUTH_TOKENS = _YAML_TOKENS

with hook_order():
    add_plugins(__name__, PROJECT_TYPE, "production")  # noqa: F405
