"""Make the running PROCTORING_BACKENDS the shim's result, whoever assigned it last, and tell when it is not."""

import contextlib
from collections.abc import Collection
from typing import Any

from django.core.signals import setting_changed
from django.dispatch import receiver

from ..checks.notices import SettingError, type_name
from ..retirements import managed_options
from .config import CONFIG_SETTING, parse_settings
from .shim import BACKENDS_SETTING, DEFAULT_KEY, RESULT_SETTING_NAME, ShimResult, normalise_proctoring_backends

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
    if setting not in (BACKENDS_SETTING, CONFIG_SETTING):
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


def apply_settings_shim(settings: Any) -> ShimResult | None:
    """
    Normalise PROCTORING_BACKENDS in a settings module, object or namespace dict, in place.

    From a plain Django settings module, call it last: ``apply_settings_shim(globals())``.
    Does nothing when PROCTORING_BACKENDS is not set, or when it is still the shim's own, unchanged result.
    """
    if not _has(settings, BACKENDS_SETTING):
        return None
    result, fresh = _resolve(settings)
    if fresh:
        _set(settings, BACKENDS_SETTING, result.value)
        _set(settings, RESULT_SETTING_NAME, result)
    return result


def effective_backends(settings: Any = None) -> ShimResult | None:
    """
    Return the ShimResult for the running settings, or None when PROCTORING_BACKENDS is not set.

    Reuses what the shim recorded while it is still the running, unchanged value (so legacy-rule and
    legacy-spelling sources survive); otherwise normalises the current value without assigning it.
    """
    if settings is None:
        from django.conf import settings  # pylint: disable=import-outside-toplevel
    if not _has(settings, BACKENDS_SETTING):
        return None
    return _resolve(settings)[0]


def describes(result: object, value: object, legacy_backends: Collection[str]) -> bool:
    """
    Return whether ``result`` still describes ``value``.

    It does when ``value`` is the same object, unchanged since, read with the same legacy backends and the
    same declared options.
    """
    return (
        isinstance(result, ShimResult)
        and result.value is value
        and result.legacy_backends == tuple(legacy_backends)
        and result.managed == managed_options()
        and _unchanged(value, result.snapshot)
    )


def _resolve(settings: Any) -> tuple[ShimResult, bool]:
    """Return (ShimResult, whether it is new) for the PROCTORING_BACKENDS of ``settings``."""
    current = _get(settings, BACKENDS_SETTING)
    recorded = _get(settings, RESULT_SETTING_NAME)
    legacy_backends = parse_settings(_get(settings, CONFIG_SETTING)).legacy_backends
    if describes(recorded, current, legacy_backends):
        return recorded, False
    if isinstance(recorded, ShimResult) and recorded.value is current:
        # Changed in place after the shim ran (a Tutor patch merging options into it): re-read what the
        # operator wrote before, plus every change since, so untouched options keep their sources.
        current = _operator_view(current, recorded)
    return normalise_proctoring_backends(current, legacy_backends), True


def _has(settings: Any, name: str) -> bool:
    return name in settings if isinstance(settings, dict) else hasattr(settings, name)


def _get(settings: Any, name: str) -> Any:
    return settings.get(name) if isinstance(settings, dict) else getattr(settings, name, None)


def _set(settings: Any, name: str, value: object) -> None:
    if isinstance(settings, dict):
        settings[name] = value
    else:
        setattr(settings, name, value)


def _same(value: object, before: object) -> bool:
    return value is before or (type(value) is type(before) and value == before)


def _unchanged(value: object, snapshot: dict[str, Any]) -> bool:
    if not isinstance(value, dict) or value.keys() != snapshot.keys():
        return False
    for key, entry in value.items():
        before = snapshot[key]
        if isinstance(entry, dict) and isinstance(before, dict):
            if entry.keys() != before.keys() or not all(_same(entry[name], before[name]) for name in entry):
                return False
        elif not _same(entry, before):
            return False
    return True


def _operator_view(current: dict[str, Any], recorded: ShimResult) -> dict[str, Any]:
    """Return what the operator wrote, with every key added, changed or removed since the shim normalised it."""
    other_spellings = {
        spelling: tuple(other for other in option.spellings if other != spelling)
        for option in recorded.managed
        for spelling in option.spellings
    }
    view = {}
    for backend, entry in current.items():
        before = recorded.snapshot.get(backend)
        written = recorded.raw.get(backend)
        if not (isinstance(entry, dict) and isinstance(before, dict) and isinstance(written, dict)):
            view[backend] = entry
            continue
        merged = dict(written)
        changed = [key for key in before if key not in entry]
        changed += [key for key, value in entry.items() if key not in before or not _same(value, before[key])]
        for key in changed:
            for spelling in (key, *other_spellings.get(key, ())):
                merged.pop(spelling, None)
            if key in entry:
                merged[key] = entry[key]
        view[backend] = merged
    return view
