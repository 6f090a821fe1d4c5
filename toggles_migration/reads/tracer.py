"""Notice every read of a retired toggle, through django-waffle, edx-toggles and CourseWaffleFlag classes."""

from __future__ import annotations

import functools
import importlib
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from .. import capabilities
from ..checks.notices import SettingError
from ..retirements import _registry as _declarations  # its live names: the hot path's one lookup
from ..retirements import get_retirement
from ..settings.config import read_settings
from . import counts, notify
from .call_site import find_call_site, skip_module

if TYPE_CHECKING:
    from django.http import HttpRequest
    from waffle.models import AbstractBaseFlag

# edx-platform's CourseWaffleFlag, hooked when importable (inside edx-platform).
EDX_PLATFORM_COURSE_FLAG = ("openedx.core.djangoapps.waffle_utils", "CourseWaffleFlag")

# Set while a read is being handled, so the nested reads it makes (a CourseWaffleFlag consulting
# WaffleFlag, WaffleFlag consulting django-waffle) are not noticed twice.
_handling = threading.local()
# (class, attribute, the original, whether the class defined it itself) of every hook installed
_patches: list[tuple[type, str, Any, bool]] = []
_lock = threading.Lock()

_Answer = TypeVar("_Answer")


def handle_read(name: str, legacy_call: Callable[[], _Answer]) -> _Answer | bool:
    """
    Handle one read of the retired toggle ``name`` according to TOGGLES_MIGRATION['READS'].

    ``legacy_call`` computes the legacy answer. Returns the legacy answer, or the new option's answer in
    'redirect' mode; raises RetiredToggleRead in 'error' mode. Counts every read.
    """
    retirement = get_retirement(name)
    try:
        config = read_settings()
    except SettingError as error:
        return _answer_with_invalid_settings(name, error, legacy_call)
    site = find_call_site()
    new = capabilities.option_value(config.legacy_backends[0] if config.legacy_backends else None, retirement.option)
    # Every read, not only the logged ones: APM then counts them per request and per transaction.
    notify.mark_monitoring(retirement)
    if config.reads == "error":
        counts.record(name, site.label, False, config.reads_cache, config.reads_log_interval)
        raise notify.RetiredToggleRead(
            f"{name} is retired and was read at {site.label}; read "
            f"PROCTORING_BACKENDS[<backend>][{retirement.option.name!r}] instead."
        )
    legacy = _legacy_answer(legacy_call)
    counts.record(name, site.label, bool(legacy) != new, config.reads_cache, config.reads_log_interval)
    if config.reads != "silent":
        notify.warn(retirement, site)
        notify.log_read(
            retirement, site, mode=config.reads, legacy=bool(legacy), new=new, interval=config.reads_log_interval
        )
    return new if config.reads == "redirect" else legacy


def _answer_with_invalid_settings(name: str, error: SettingError, legacy_call: Callable[[], _Answer]) -> _Answer:
    """Give the legacy answer, unreported and uncounted, when TOGGLES_MIGRATION went invalid after startup."""
    notify.log_problem(
        f"settings:{name}",
        notify.DEFAULT_INTERVAL,
        "Retired toggle %s got its legacy answer, neither counted nor reported, because TOGGLES_MIGRATION is "
        "invalid: %s",
        name,
        error,
    )
    return _legacy_answer(legacy_call)


def _legacy_answer(legacy_call: Callable[[], _Answer]) -> _Answer:
    """Call ``legacy_call`` with the nested reads it makes (WaffleFlag, django-waffle) left unhandled."""
    _handling.active = True
    try:
        return legacy_call()
    finally:
        _handling.active = False


def _is_handling() -> bool:
    return getattr(_handling, "active", False)


def _hook_flag_model(flag_model: type[AbstractBaseFlag]) -> tuple[Any, Callable[..., Any]]:
    original = flag_model.is_active
    # Every flag read of the site passes here: a non-retired one costs one lookup of its name, nothing else
    # (no function call, no settings read; the registry replaces its names whole on each registration).
    declarations = _declarations

    @functools.wraps(original)
    def is_active(self: AbstractBaseFlag, request: HttpRequest, read_only: bool = False) -> Any:
        if self.name not in declarations.names or _is_handling():
            return original(self, request, read_only)
        return handle_read(self.name, lambda: original(self, request, read_only))

    return original, is_active


def _hook_is_enabled(flag_class: type) -> tuple[Any, Callable[..., Any]]:
    original = flag_class.__dict__["is_enabled"]
    declarations = _declarations  # as in _hook_flag_model: one lookup of the name on a non-retired read

    @functools.wraps(original)
    def is_enabled(self: Any, *args: Any, **kwargs: Any) -> Any:
        if self.name not in declarations.names or _is_handling():
            return original(self, *args, **kwargs)
        return handle_read(self.name, lambda: original(self, *args, **kwargs))

    return original, is_enabled


def _flag_classes(extra_classes: Iterable[type]) -> list[type]:
    """WaffleFlag and every subclass that defines its own is_enabled (CourseWaffleFlag and the like)."""
    from edx_toggles.toggles import WaffleFlag

    found: list[type] = [WaffleFlag]
    try:
        module = importlib.import_module(EDX_PLATFORM_COURSE_FLAG[0])
        found.append(getattr(module, EDX_PLATFORM_COURSE_FLAG[1]))
        skip_module(module)
    except (ImportError, AttributeError):
        pass
    pending = list(WaffleFlag.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if "is_enabled" in cls.__dict__ and not cls.__module__.startswith("toggles_migration."):
            found.append(cls)
    for cls in extra_classes:
        found.append(cls)
        skip_module(importlib.import_module(cls.__module__))
    return list(dict.fromkeys(found))


def install(extra_classes: Iterable[type] = ()) -> None:
    """Install the hooks on every read path once (ready()); ``extra_classes`` own ``is_enabled``, are machinery."""
    # Hooks django-waffle itself: edx_toggles.toggles offers no accessor for the (swappable) flag model.
    from waffle import get_waffle_flag_model  # pylint: disable=invalid-django-waffle-import

    with _lock:
        if _patches:
            return
        flag_model = get_waffle_flag_model()
        original, hooked = _hook_flag_model(flag_model)
        _patches.append((flag_model, "is_active", original, "is_active" in flag_model.__dict__))
        flag_model.is_active = hooked  # type: ignore[method-assign]  # installing the hook replaces it
        for cls in _flag_classes(extra_classes):
            original, hooked = _hook_is_enabled(cls)
            _patches.append((cls, "is_enabled", original, True))
            cls.is_enabled = hooked  # type: ignore[attr-defined]  # every class found defines it


def uninstall() -> None:
    """Remove every hook (for tests)."""
    with _lock:
        while _patches:
            cls, attribute, original, owned = _patches.pop()
            if owned:
                setattr(cls, attribute, original)
            else:
                delattr(cls, attribute)


def installed() -> bool:
    """Return whether the hooks are in place."""
    return bool(_patches)
