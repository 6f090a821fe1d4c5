"""Make the running PROCTORING_BACKENDS the shim's result, whoever assigned it last, and tell when it is not."""

import contextlib
from typing import Any

from django.core.signals import setting_changed
from django.dispatch import receiver

from .notices import SettingError, type_name
from .settings_shim import DEFAULT_KEY, SETTING_NAME, ShimResult, apply_settings_shim

# Settings are final only once every settings module has run: edx-proctoring's production hook reassigns
# PROCTORING_BACKENDS after ours, and Tutor applies its patches after every hook. AppConfig.ready() runs after
# all of that, so it normalises the value upstream will actually read.


def finalise() -> ShimResult | None:
    """Normalise ``django.conf.settings.PROCTORING_BACKENDS`` unless it is still the shim's own result."""
    from django.conf import settings  # pylint: disable=import-outside-toplevel

    return apply_settings_shim(settings)


@receiver(setting_changed)
def _renormalise(setting: str, **kwargs: Any) -> None:
    """Keep ``override_settings`` of the shim's inputs normalised, as settings loading would have."""
    if setting not in (SETTING_NAME, "TOGGLES_MIGRATION"):
        return
    # An invalid value is left to the system checks, which report it with its ID: raising here would break
    # override_settings itself.
    with contextlib.suppress(SettingError):
        finalise()


def unnormalised_reads(result: ShimResult, value: object) -> list[tuple[str, str, str]]:
    """
    Return (backend, option, type found) for each managed option that upstream reads differently from ``result``.

    Upstream reads ``value.get(backend, {}).get(option, default)`` and tests its truthiness, while the shim's
    result holds a real bool: a difference means something replaced or changed ``value`` after the shim ran.
    """
    found = []
    for backend, entry in result.value.items():
        if backend == DEFAULT_KEY or not isinstance(entry, dict):
            continue
        running = value.get(backend, {}) if isinstance(value, dict) else {}
        for option in result.managed:
            read = running.get(option.name, option.upstream_default) if isinstance(running, dict) else running
            if read is not entry[option.name]:
                found.append((backend, option.name, type_name(read)))
    return found
