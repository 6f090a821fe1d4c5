"""The Django app configuration and its Open edX plugin registration."""

from django.apps import AppConfig

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

    def ready(self):
        """Register the system checks and notice every remaining read of a retired toggle."""
        from . import checks  # noqa: F401  pylint: disable=import-outside-toplevel,unused-import
        from .reads import install  # pylint: disable=import-outside-toplevel

        install()
