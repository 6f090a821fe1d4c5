"""Settings hook run by edx-platform's production settings, after the operator's YAML."""

from typing import Any

from .authority import apply_settings_shim


def plugin_settings(settings: Any) -> None:
    """Normalise the operator's PROCTORING_BACKENDS in place; never replaces any other value."""
    apply_settings_shim(settings)
