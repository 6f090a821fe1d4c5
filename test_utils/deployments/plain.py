"""A plain Django project: the operator's YAML as settings, then the documented one-line call."""

import os

import yaml

from test_settings import DATABASES  # noqa: F401  # pylint: disable=unused-import
from toggles_migration import apply_settings_shim

SECRET_KEY = "insecure-secret-key-for-tests-only"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "waffle",
    "toggles_migration.apps.TogglesMigrationConfig",
]
with open(os.environ["TM_YAML"], encoding="utf-8") as _file:
    globals().update(yaml.safe_load(_file))

apply_settings_shim(globals())
