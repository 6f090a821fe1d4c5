"""
The CMS settings as Tutor's rendered ``cms/production.py`` builds them, with stand-ins for edx-platform's apps.

In order: edx-platform's common settings and the package's ``common`` hook; the operator's YAML (credentials set
outside the plugin, and what the plugin renders into ``cms.env.yml``); then the plugin's ``openedx-common-settings``
code exactly as Tutor rendered it into ``$TUTOR_ROOT``. The package normalises the result when Django is ready.
"""

import os
import sys
from pathlib import Path

import yaml

from fake_openedx import settings_patch
from toggles_migration.settings import common

_TUTOR_ROOT = Path(os.environ["TUTOR_ROOT"])
_THIS = sys.modules[__name__]
SECRET = "s3cr3t-client-secret"

DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ["FAKE_OPENEDX_DB"]}}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "waffle",
    "test_utils.waffle_utils.apps.WaffleUtilsConfig",
    "test_utils.course_overviews.apps.CourseOverviewsConfig",
    "toggles_migration.apps.TogglesMigrationConfig",
]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
SECRET_KEY = "fake-openedx-not-secret"
USE_TZ = True
PROCTORING_BACKENDS = {"DEFAULT": "null", "null": {}}
common.plugin_settings(_THIS)

# The operator's YAML: Proctortrack's credentials, set where they were before the plugin.
PROCTORING_BACKENDS = {
    "DEFAULT": "proctortrack",
    "proctortrack": {"client_id": "client", "client_secret": SECRET, "base_url": "https://proctortrack.example.com"},
    "null": {},
}
_yaml = yaml.safe_load((_TUTOR_ROOT / "env" / "apps" / "openedx" / "config" / "cms.env.yml").read_text())
if "TOGGLES_MIGRATION" in _yaml:
    TOGGLES_MIGRATION = _yaml["TOGGLES_MIGRATION"]

exec(settings_patch(_TUTOR_ROOT, "cms", "production"))
