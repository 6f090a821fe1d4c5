"""The Django app configuration and its Open edX plugin registration."""

from django.apps import AppConfig

from .checks.backend_loading import record_load_failures

# Now, while Django imports the apps' modules: edx-proctoring loads its backends in its ready(), and the errors of
# those that fail to load are only logged.
record_load_failures()

_SETTINGS_HOOKS = {
    settings_type: {"relative_path": f"settings.{settings_type}"}
    for settings_type in ("common", "production", "devstack", "test")
}


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

        # Settings are final only now: edx-proctoring's production hook and Tutor's patches run after ours.
        finalise()
        install()
