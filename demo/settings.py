"""Settings of the demo instance: a Proctortrack site upgraded without adding any option."""

from pathlib import Path

from toggles_migration import apply_settings_shim

BASE_DIR = Path(__file__).resolve().parent

DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(BASE_DIR / "demo.db")}}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "waffle",
    # Faithful stand-ins for edx-platform's apps (same labels, tables and migration names).
    "test_utils.waffle_utils.apps.WaffleUtilsConfig",
    "test_utils.course_overviews.apps.CourseOverviewsConfig",
    "toggles_migration.apps.TogglesMigrationConfig",
]
SECRET_KEY = "demo-only-not-secret"
USE_TZ = True
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

PROCTORING_BACKENDS = {
    "DEFAULT": "proctortrack",
    # As upgraded: no show_review_rules / requires_escalation_email, credentials only.
    "proctortrack": {
        "client_id": "demo-client",
        "client_secret": "demo-secret-never-printed",
        "base_url": "https://proctortrack.example.com",
    },
    # A fork that followed the abandoned upper-case spelling, with a YAML string for a boolean.
    "software_secure": {"SHOW_REVIEW_RULES": True, "requires_escalation_email": "false"},
    "null": {},
}

# A plain Django project's optional line: the app normalises the value when Django is ready in any case.
apply_settings_shim(globals())
