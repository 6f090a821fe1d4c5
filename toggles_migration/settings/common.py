"""Settings hook run by edx-platform's common settings, before the operator's YAML: defaults only."""


def plugin_settings(settings):
    """Declare TOGGLES_MIGRATION (empty: every key falls back to the defaults in ``conf.py``)."""
    settings.TOGGLES_MIGRATION = getattr(settings, "TOGGLES_MIGRATION", {})
