"""Shaped like edx-platform's {lms,cms}/envs/common.py: defaults, the plugin apps and their common hooks."""

import os

from edx_django_utils.plugins import add_plugins, get_plugin_apps

from test_settings import DATABASES  # noqa: F401  # pylint: disable=unused-import  # the suite's database; loading settings never writes to it
from test_utils.deployments import hook_order

PROJECT_TYPE = f"{os.environ.get('TM_PROJECT', 'lms')}.djangoapp"
SECRET_KEY = "insecure-secret-key-for-tests-only"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
ENV_ROOT = os.environ.get("TM_ENV_ROOT", "/tmp")
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
PIPELINE = {"JAVASCRIPT": {}}
FEATURES = {"ENABLE_SPECIAL_EXAMS": True}
SITE_NAME = "localhost"
PLATFORM_NAME = "Your Platform Name Here"

# openedx/envs/common.py declares the upstream default.
PROCTORING_BACKENDS = {"DEFAULT": "null", "null": {}}

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "waffle",
    "test_utils.waffle_utils.apps.WaffleUtilsConfig",
    "test_utils.course_overviews.apps.CourseOverviewsConfig",
]
with hook_order():
    INSTALLED_APPS.extend(get_plugin_apps(PROJECT_TYPE))
    add_plugins(__name__, PROJECT_TYPE, "common")
