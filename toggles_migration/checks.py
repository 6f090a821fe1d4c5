"""System checks: invalid settings and every notice of the settings shim, as messages with stable IDs."""

from django.core import checks

from . import notices as n
from .conf import read_settings
from .notices import SettingError
from .settings_shim import effective_backends

_LEVELS = {n.ERROR: checks.Error, n.WARNING: checks.Warning}


@checks.register()
def check_settings(app_configs=None, **kwargs):  # pylint: disable=unused-argument
    """Report an invalid TOGGLES_MIGRATION or PROCTORING_BACKENDS, or what the shim noticed about the latter."""
    try:
        read_settings()
        result = effective_backends()
    except SettingError as error:
        return [checks.Error(error.message, hint=f"Fix: {error.hint}", id=error.check_id)]
    if result is None:
        return []
    return [
        _LEVELS[notice.level](notice.message, hint=f"Fix: {notice.hint}", id=notice.check_id)
        for notice in result.notices
    ]
