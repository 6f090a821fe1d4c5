"""The Django app configuration and its Open edX plugin registration."""

from django.apps import AppConfig

from .checks.backend_loading import record_load_failures

# Now, while Django imports the apps' modules: edx-proctoring loads its backends in its ready(), and the errors of
# those that fail to load are only logged.
record_load_failures()

# Only the common hook: PROCTORING_BACKENDS is normalised in ready(), once every settings module has run. A
# production hook would run before or after edx-proctoring's, as the entry points happen to be listed, and an
# answer that depends on that order is not one (ADR 0007).
_SETTINGS_HOOKS = {"common": {"relative_path": "settings.common"}}


class TogglesMigrationConfig(AppConfig):
    """App config; ``plugin_app`` makes edx-platform install the app and run its settings hooks."""

    name = "toggles_migration"
    label = "toggles_migration"
    verbose_name = "Toggles migration"
    default_auto_field = "django.db.models.BigAutoField"

    # String literals: ProjectType and SettingsType exist only inside edx-platform.
    plugin_app = {
        "settings_config": {
            "lms.djangoapp": _SETTINGS_HOOKS,
            "cms.djangoapp": _SETTINGS_HOOKS,
        },
    }

    def ready(self) -> None:
        """Make the running PROCTORING_BACKENDS the normalised one, register the checks, notice remaining reads."""
        from .checks import system  # noqa: F401  pylint: disable=import-outside-toplevel,unused-import
        from .reads import install  # pylint: disable=import-outside-toplevel
        from .settings.authority import finalise  # pylint: disable=import-outside-toplevel

        # Settings are final only now, after edx-proctoring's production hook, Tutor's patches, devstack's private.py.
        finalise()
        install()
