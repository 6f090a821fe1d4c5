"""Settings hook run by edx-platform's common settings, before the operator's YAML: defaults only."""

from typing import Any


def plugin_settings(settings: Any) -> None:
    """Declare TOGGLES_MIGRATION (empty: every key falls back to the defaults in ``config.py``)."""
    settings.TOGGLES_MIGRATION = getattr(settings, "TOGGLES_MIGRATION", {})
