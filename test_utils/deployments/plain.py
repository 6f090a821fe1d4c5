"""A plain Django project that installs edx-proctoring by hand: the YAML as settings, then the documented call."""

import os

import yaml

from test_settings import DATABASES  # noqa: F401  # pylint: disable=unused-import
from test_utils.deployments import ordered_apps
from toggles_migration import apply_settings_shim

SECRET_KEY = "insecure-secret-key-for-tests-only"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "waffle",
    "edx_when.apps.EdxWhenConfig",
    # Listed by hand, in the order TM_HOOK_ORDER names: the order of their ready().
    *ordered_apps(["toggles_migration.apps.TogglesMigrationConfig", "edx_proctoring.apps.EdxProctoringConfig"]),
]
# What edx-proctoring needs of a project that installs it by hand.
PROCTORING_SETTINGS = {}
SITE_NAME = "localhost"
PLATFORM_NAME = "Your Platform Name Here"
ENV_ROOT = os.environ.get("TM_ENV_ROOT", "/tmp")
with open(os.environ["TM_YAML"], encoding="utf-8") as _file:
    globals().update(yaml.safe_load(_file))

apply_settings_shim(globals())
