"""Shaped like Tutor's production settings: edx-platform's production settings, then the operator's patches."""

from test_utils.deployments import patch_code
from test_utils.deployments.production import *  # noqa: F403  pylint: disable=wildcard-import,unused-wildcard-import

# {{ patch("openedx-common-settings") }}: Tutor renders patches here, after every plugin hook has run.
exec(patch_code())  # pylint: disable=exec-used  # the settings code the deployment appends
