"""System checks: invalid settings and every notice of the settings shim, as messages with stable IDs."""

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig, apps
from django.conf import settings
from django.core import checks
from django.db import connections

from ..retirements import declared
from ..settings.authority import (
    ADDED,
    DEFAULT_CHANGED,
    ENTRY_REPLACED,
    REMOVED,
    REPLACED,
    REPORT_DIFFERS,
    LateChange,
    effective_backends,
    late_changes,
    report_differences,
)
from ..settings.config import CONFIG_SETTING, check_reads_cache, read_settings
from ..settings.shim import BACKENDS_SETTING, ShimResult
from ..state.capture import VerifyReport, verify
from ..state.context import make_context
from . import backend_loading
from . import notices as n
from .advice import advise, captured_decisions
from .notices import SettingError, fix

_LEVELS: dict[str, type[checks.Error] | type[checks.Warning]] = {n.ERROR: checks.Error, n.WARNING: checks.Warning}


@checks.register()
def check_waffle_installed(  # pylint: disable=unused-argument
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """Report a project without django-waffle: migration 0002 reads, and depends on, its tables."""
    if apps.is_installed("waffle"):
        return []
    return [
        checks.Error(
            "django-waffle ('waffle') is not in INSTALLED_APPS; toggles_migration captures the retired flags "
            "from its tables and its migration 0002 depends on waffle's migrations.",
            hint="Fix: add 'waffle' to INSTALLED_APPS (edx-platform always has it).",
            id=n.WAFFLE_NOT_INSTALLED,
        )
    ]


@checks.register()
def check_settings(  # pylint: disable=unused-argument
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """Report an invalid TOGGLES_MIGRATION (or READS_CACHE naming no cache) or PROCTORING_BACKENDS, or shim notices."""
    try:
        check_reads_cache(read_settings(), settings.CACHES)
        result = effective_backends()
    except SettingError as error:
        return [checks.Error(error.message, hint=fix(error.hint), id=error.check_id), *_changed_after_ready(None)]
    if result is None:
        return _changed_after_ready(None)
    messages = [
        _LEVELS[notice.level](notice.message, hint=fix(notice.hint), id=notice.check_id)
        for notice in advise(result.notices, captured_decisions())
    ]
    return messages + _changed_after_ready(result)


_LATE_HINT = (
    f"Fix: assign {BACKENDS_SETTING} only in settings (YAML, a settings module or a Tutor patch), which are final "
    "before the app is ready; code that changes it at run time must call "
    "toggles_migration.apply_settings_shim(django.conf.settings) afterwards. Look for a late "
    f"`settings.{BACKENDS_SETTING} = ...`, or a change of it in place, in plugins or custom code."
)
_REPORT_HINT = (
    f"Fix: set {CONFIG_SETTING} in settings, which are final before the app is ready, and register retirements in "
    "the ready() of an app listed before toggles_migration in INSTALLED_APPS; code that changes either later must "
    "call toggles_migration.apply_settings_shim(django.conf.settings) afterwards."
)
_SINCE_READY = "after toggles_migration normalised it when the app was ready"


# E007's message per kind of change; DEFAULT's and an option's own are built below.
_LATE_MESSAGES = {
    REPLACED: "{setting} was replaced by a {found_type} {since}; upstream's reads of it now fail.",
    ADDED: (
        "{path} was added {since}; the settings shim never read it, so upstream reads its options as written, or "
        "their upstream defaults, never the legacy-preserving values."
    ),
    REMOVED: (
        "{path} was removed {since}; upstream now reads the upstream defaults of its options for the courses on "
        "{backend!r}, and edx-proctoring has no settings for it."
    ),
    ENTRY_REPLACED: "{path} was replaced by a {found_type} {since}; upstream's reads of its options now fail.",
    REPORT_DIFFERS: (
        "{where} reads as {read} at run time, but toggles_migration reports {before}: {config} or the declared "
        "retirements changed since the settings shim normalised {setting}, and the report follows them while "
        "upstream does not."
    ),
}


def _late_message(change: LateChange) -> str:
    """Return E007's message for one change: the settings path, what the shim made of it and what upstream reads."""
    if change.kind == DEFAULT_CHANGED:
        return _default_message(change)
    path = f"{BACKENDS_SETTING}[{change.backend!r}]"
    where = f"{path}[{change.option!r}]"
    if change.kind in _LATE_MESSAGES:
        return _LATE_MESSAGES[change.kind].format(
            setting=BACKENDS_SETTING,
            config=CONFIG_SETTING,
            since=_SINCE_READY,
            path=path,
            where=where,
            backend=change.backend,
            found_type=change.found_type,
            before=change.before,
            read=f"a {change.found_type}" if change.found_type else change.now,
        )
    if change.found_type:
        return (
            f"{where} reads as a {change.found_type} at run time, not the boolean the settings shim made of it "
            f"({change.before}): something replaced or changed {BACKENDS_SETTING} {_SINCE_READY}, and upstream "
            "now reads that value unchecked (a string such as 'false' counts as true)."
        )
    return (
        f"{where} changed from {change.before} to {change.now} {_SINCE_READY}: upstream now reads {change.now} in "
        "this process, a value that the settings did not give it."
    )


def _default_message(change: LateChange) -> str:
    before = "nothing" if change.before is None else repr(change.before)
    if change.found_type:
        now, effect = f"a {change.found_type}", "now get no backend: the lookup fails"
    elif change.now is None:
        now, effect = "nothing (removed)", "now have none"
    else:
        now, effect = repr(change.now), f"now use {change.now!r}"
    return (
        f"{BACKENDS_SETTING}['DEFAULT'] changed from {before} to {now} {_SINCE_READY}: courses without a provider "
        f"of their own {effect}."
    )


def _changed_after_ready(result: ShimResult | None) -> list[checks.CheckMessage]:
    """
    Report each change of what upstream reads since the shim normalised PROCTORING_BACKENDS (E007).

    Then, for what no change names, each option the report (``result``) gives another value than upstream reads.
    """
    try:
        changes = late_changes()
    except Exception:  # noqa: BLE001  # pylint: disable=broad-exception-caught  # unreadable: E001 says so
        changes = []
    if result is not None:
        named = {(change.backend, change.option) for change in changes}
        added = {change.backend for change in changes if change.kind == ADDED}
        changes += [
            change
            for change in report_differences(result, getattr(settings, BACKENDS_SETTING))
            if (change.backend, change.option) not in named and change.backend not in added
        ]
    return [
        checks.Error(
            _late_message(change),
            hint=_REPORT_HINT if change.kind == REPORT_DIFFERS else _LATE_HINT,
            id=n.SETTINGS_CHANGED_AFTER_READY,
        )
        for change in changes
    ]


@checks.register(checks.Tags.database)
def check_captured_decisions(  # pylint: disable=unused-argument
    app_configs: Sequence[AppConfig] | None = None, databases: Sequence[str] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """Warn when the effective settings disagree with a decision captured by migration 0002 (``check --database``)."""
    messages: list[checks.CheckMessage] = []
    for alias in databases or ():
        if "toggles_migration_capture" not in connections[alias].introspection.table_names():
            continue  # not migrated yet
        for retirement in declared():
            try:
                report = verify(make_context(apps, retirement.name, alias))
            except SettingError:
                continue  # reported by check_settings
            if report.agrees is False:
                messages.append(_disagreement(report, alias))
    return messages


def _disagreement(report: VerifyReport, alias: str) -> checks.Warning:
    """Return W005: the settings disagree with a decision captured in database ``alias``."""
    value = report.decision.value if report.decision is not None else None
    return checks.Warning(
        f"PROCTORING_BACKENDS disagrees with the decision captured for {report.toggle} in database {alias!r} "
        f"({report.option} = {value}).",
        hint=fix(
            f"merge {report.snippet!r} into PROCTORING_BACKENDS; `manage.py retire_toggle verify` shows the comparison."
        ),
        id=n.SETTINGS_DISAGREE_WITH_CAPTURE,
    )


@checks.register()
def check_backends_loaded(  # pylint: disable=unused-argument
    app_configs: Sequence[AppConfig] | None = None, databases: Sequence[str] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """
    Report each backend that the courses, DEFAULT or a configured legacy backend name and edx-proctoring has not loaded.

    The courses are counted only on ``databases`` (``check --database``, ``migrate``).
    """
    try:
        config = read_settings()
    except SettingError:
        return []  # reported by check_settings
    level = checks.Error if config.strict else checks.Warning
    return [
        level(*_not_loaded(item), id=n.BACKEND_NOT_LOADED)
        for item in backend_loading.not_loaded(
            apps, getattr(settings, BACKENDS_SETTING, None), config.legacy_backends, databases
        )
    ]


def _not_loaded(item: backend_loading.NotLoaded) -> tuple[str, str]:
    """Return (message, hint) of W006: a backend in use that edx-proctoring has not loaded."""
    counts = item.courses
    sentences = [
        f"The proctoring backend {item.name!r} is not loaded by edx-proctoring: proctored exams on it fail when "
        "learners start them."
    ]
    used = [f"{courses.get(item.name, 0)} on database {alias!r}" for alias, courses in counts.counted.items()]
    if used:
        sentences.append(f"Proctored courses using it: {', '.join(used)}.")
    sentences.extend(f"Courses using it: not counted. {why}" for why in counts.uncounted.values())
    if not used and not counts.uncounted:
        sentences.append("Courses using it: not counted (`manage.py check --database default` counts them).")
    if item.named_by:
        sentences.append(f"Named by {' and '.join(item.named_by)}.")
    sentences.append(f"Why: {item.state.reason}.")
    return " ".join(sentences), fix(f"{item.state.fix}.")
