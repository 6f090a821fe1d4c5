"""Make the running PROCTORING_BACKENDS the shim's result, whoever assigned it last, and tell when it is not."""

from collections.abc import Collection
from dataclasses import dataclass
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
    try:
        finalise()
    except SettingError:
        # Left to the system checks, which report it with its ID: raising here would break override_settings
        # itself. Nothing normalised it, so there is no earlier value for E007 to compare it with.
        from django.conf import settings  # pylint: disable=import-outside-toplevel

        setattr(settings, RESULT_SETTING_NAME, None)


@dataclass(frozen=True)
class LateChange:
    """
    One way what upstream reads from PROCTORING_BACKENDS differs from what the shim normalised (E007).

    ``before`` is what the shim made of the value, ``now`` what upstream reads: a bool, a backend name, or None
    (absent). A value of any other type is never kept, it may be a secret: ``found_type`` names its type instead.
    """

    # One of the kinds below.
    kind: str
    backend: str = ""
    option: str = ""
    before: bool | str | None = None
    now: bool | str | None = None
    found_type: str = ""


# Since the shim last normalised PROCTORING_BACKENDS: the whole value replaced by a non-dict, DEFAULT changed,
# a backend added or removed, an entry replaced by a non-dict, a managed option's value changed.
REPLACED = "replaced"
DEFAULT_CHANGED = "default-changed"
ADDED = "added"
REMOVED = "removed"
ENTRY_REPLACED = "entry-replaced"
OPTION_CHANGED = "option-changed"
# PROCTORING_BACKENDS untouched, but the report, read with today's TOGGLES_MIGRATION and declarations, says
# another value than the one upstream reads.
REPORT_DIFFERS = "report-differs"


def _option_change(kind: str, backend: str, option: str, before: bool, read: object) -> LateChange:
    if isinstance(read, bool):
        return LateChange(kind, backend, option, before=before, now=read)
    return LateChange(kind, backend, option, before=before, found_type=type_name(read))


def report_differences(result: ShimResult, value: object) -> list[LateChange]:
    """
    Return a REPORT_DIFFERS change for each managed option that upstream reads differently from ``result``.

    Upstream reads ``value.get(backend, {}).get(option, default)`` and tests its truthiness, while the shim's
    result holds a real bool.
    """
    found = []
    for backend, entry in result.value.items():
        if backend == DEFAULT_KEY or not isinstance(entry, dict):
            continue
        running = value.get(backend, {}) if isinstance(value, dict) else {}
        for option in result.managed:
            read = running.get(option.name, option.upstream_default) if isinstance(running, dict) else running
            if read is not entry[option.name]:
                found.append(_option_change(REPORT_DIFFERS, backend, option.name, entry[option.name], read))
    return found


def late_changes(settings: Any = None) -> list[LateChange]:
    """
    Return every change of what upstream reads from PROCTORING_BACKENDS since the shim last normalised it.

    Compared with what the shim recorded (at ``ready()``, by ``override_settings`` or by a call of
    ``apply_settings_shim``): ``DEFAULT``, the backends, and each managed option of every backend, as upstream
    reads it (``PROCTORING_BACKENDS.get(backend, {}).get(option, default)``). Nothing recorded, or no
    PROCTORING_BACKENDS: nothing to compare.
    """
    if settings is None:
        from django.conf import settings  # pylint: disable=import-outside-toplevel
    recorded = _get(settings, RESULT_SETTING_NAME)
    if not isinstance(recorded, ShimResult) or not _has(settings, BACKENDS_SETTING):
        return []
    current = _get(settings, BACKENDS_SETTING)
    if current is recorded.value and _unchanged(current, recorded.snapshot):
        return []
    if not isinstance(current, dict):
        return [LateChange(REPLACED, found_type=type_name(current))]
    before = recorded.snapshot
    changes = []
    if not _same(current.get(DEFAULT_KEY), before.get(DEFAULT_KEY)):
        now = current.get(DEFAULT_KEY)
        changes.append(
            LateChange(DEFAULT_CHANGED, before=before.get(DEFAULT_KEY), now=now)
            if now is None or isinstance(now, str)
            else LateChange(DEFAULT_CHANGED, before=before.get(DEFAULT_KEY), found_type=type_name(now))
        )
    changes += [LateChange(REMOVED, backend) for backend in before if backend != DEFAULT_KEY and backend not in current]
    # A key that is not a str is E001's: the shim refuses it.
    changes += [
        LateChange(ADDED, backend)
        for backend in current
        if isinstance(backend, str) and backend != DEFAULT_KEY and backend not in before
    ]
    for backend, entry in before.items():
        if backend == DEFAULT_KEY or backend not in current or not isinstance(entry, dict):
            continue
        running = current[backend]
        if not isinstance(running, dict):
            changes.append(LateChange(ENTRY_REPLACED, backend, found_type=type_name(running)))
            continue
        changes += [
            _option_change(OPTION_CHANGED, backend, option.name, entry[option.name], read)
            for option in recorded.managed
            if (read := running.get(option.name, option.upstream_default)) is not entry[option.name]
        ]
    return changes


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
