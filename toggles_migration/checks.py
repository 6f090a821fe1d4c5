"""System checks: invalid settings and every notice of the settings shim, as messages with stable IDs."""

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig, apps
from django.conf import settings
from django.core import checks
from django.db import connections

from . import actions, backend_loading, rendering
from . import notices as n
from .advice import advise, captured_decisions
from .conf import check_reads_cache, read_settings
from .notices import SettingError
from .retirements import declared
from .settings_authority import unnormalised_reads
from .settings_shim import SETTING_NAME, ShimResult, effective_backends

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
        return [checks.Error(error.message, hint=rendering.fix(error.hint), id=error.check_id)]
    if result is None:
        return []
    messages = [
        _LEVELS[notice.level](*rendering.notice_check(notice), id=notice.check_id)
        for notice in advise(result.notices, captured_decisions())
    ]
    return messages + _changed_after_ready(result)


def _changed_after_ready(result: ShimResult) -> list[checks.CheckMessage]:
    """Report managed options that upstream reads unnormalised: something assigned them after ``ready()``."""
    return [
        checks.Error(
            f"{SETTING_NAME}[{backend!r}][{option!r}] reads as a {found} at run time, not the boolean the settings "
            f"shim made of it ({result.value[backend][option]}): something replaced or changed "
            f"{SETTING_NAME} after toggles_migration normalised it when the app was ready, and upstream now "
            "reads that value unchecked (a string such as 'false' counts as true).",
            hint=f"Fix: assign {SETTING_NAME} only in settings (YAML, a settings module or a Tutor patch), which "
            "are final before the app is ready; code that changes it at run time must call "
            "toggles_migration.apply_settings_shim(django.conf.settings) afterwards. Look for a late "
            f"`settings.{SETTING_NAME} = ...` in plugins or custom settings code.",
            id=n.SETTINGS_CHANGED_AFTER_READY,
        )
        for backend, option, found in unnormalised_reads(result, getattr(settings, SETTING_NAME))
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
                report = actions.verify(actions.make_context(apps, retirement.name, alias))
            except SettingError:
                continue  # reported by check_settings
            if report.agrees is False:
                message, hint = rendering.capture_disagreement_check(report, alias)
                messages.append(checks.Warning(message, hint=hint, id=n.SETTINGS_DISAGREE_WITH_CAPTURE))
    return messages


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
        level(*rendering.backend_not_loaded_check(item), id=n.BACKEND_NOT_LOADED)
        for item in backend_loading.not_loaded(
            apps, getattr(settings, SETTING_NAME, None), config.legacy_backends, databases
        )
    ]
