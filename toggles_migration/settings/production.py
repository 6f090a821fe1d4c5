"""Settings hook run by edx-platform's production settings, after the operator's YAML."""

from ..settings_shim import apply_settings_shim


def plugin_settings(settings):
    """Normalise the operator's PROCTORING_BACKENDS in place; never replaces any other value."""
    apply_settings_shim(settings)
