"""
Settings for the test suite; the database is chosen with TOGGLES_MIGRATION_TEST_DB.

sqlite (default, embedded), mysql (MariaDB on 127.0.0.1:3306) or postgresql (127.0.0.1:5432).
The cache is chosen with TOGGLES_MIGRATION_TEST_CACHE: locmem (default) or redis (127.0.0.1:6379).
"""

import os

from django.core.exceptions import ImproperlyConfigured

# Lets two test runs share one server without dropping each other's test database.
_TEST_NAME = os.environ.get("TOGGLES_MIGRATION_TEST_DB_NAME", "test_toggles_migration")

_DATABASES = {
    "sqlite": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": "default.db",
        # A file, not memory: migration tests and racing processes need a database shared across connections.
        "TEST": {"NAME": f"{_TEST_NAME}.sqlite3"},
    },
    "mysql": {
        "ENGINE": "django.db.backends.mysql",
        "NAME": "toggles_migration",
        "USER": os.environ.get("MYSQL_USER", "root"),
        "PASSWORD": os.environ.get("MYSQL_PASSWORD", ""),
        "HOST": os.environ.get("MYSQL_HOST", "127.0.0.1"),
        "PORT": os.environ.get("MYSQL_PORT", "3306"),
        "OPTIONS": {"charset": "utf8mb4"},
        "TEST": {"NAME": _TEST_NAME, "CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"},
    },
    "postgresql": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "toggles_migration",
        "USER": os.environ.get("POSTGRES_USER", "postgres"),
        "HOST": os.environ.get("POSTGRES_HOST", "127.0.0.1"),
        "PORT": os.environ.get("POSTGRES_PORT", "5432"),
        "TEST": {"NAME": _TEST_NAME},
    },
}

_DB = os.environ.get("TOGGLES_MIGRATION_TEST_DB", "sqlite")

if _DB not in _DATABASES:
    raise ImproperlyConfigured(f"TOGGLES_MIGRATION_TEST_DB is {_DB!r}; use one of: {', '.join(sorted(_DATABASES))}.")

DATABASES = {"default": _DATABASES[_DB]}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.messages",
    "django.contrib.sessions",
    "waffle",
    "test_utils.waffle_utils.apps.WaffleUtilsConfig",
    "test_utils.course_overviews.apps.CourseOverviewsConfig",
    # A second, test-only retirement declared during the whole suite: adding a declaration must break no test.
    "test_utils.declared_retirements.apps.DeclaredRetirementsConfig",
    "toggles_migration.apps.TogglesMigrationConfig",
]

MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "waffle.middleware.WaffleMiddleware",
]

_CACHES = {
    "locmem": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # The shared cache of a real deployment; database 15, so tests never touch another one's keys.
    "redis": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15"),
        "KEY_PREFIX": _TEST_NAME,
    },
}
_CACHE = os.environ.get("TOGGLES_MIGRATION_TEST_CACHE", "locmem")
if _CACHE not in _CACHES:
    raise ImproperlyConfigured(f"TOGGLES_MIGRATION_TEST_CACHE is {_CACHE!r}; use one of: {', '.join(sorted(_CACHES))}.")
CACHES = {"default": _CACHES[_CACHE]}

ROOT_URLCONF = "test_utils.urls"
SECRET_KEY = "insecure-secret-key-for-tests-only"
USE_TZ = True
TIME_ZONE = "UTC"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

# The upstream default, as edx-platform and edx-proctoring declare it.
PROCTORING_BACKENDS = {"DEFAULT": "null", "null": {}}
