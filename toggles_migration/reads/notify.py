"""Tell operators about a read: a warning at the call site, a rate-limited log record, a monitoring attribute."""

import logging
import threading
import time
import warnings
from dataclasses import dataclass

from edx_django_utils.monitoring import set_custom_attribute

from ..retirements import Retirement
from .call_site import CallSite
from .exceptions import RetiredToggleWarning

MONITORING_ATTRIBUTE = "retired_toggle_read"

log = logging.getLogger("toggles_migration.reads")


@dataclass
class _Logged:
    """When a call site was last logged in this process, and how many of its reads were not logged since."""

    at: float
    suppressed: int = 0


_lock = threading.Lock()
# call site label -> when it was last logged
_last_logged: dict[str, _Logged] = {}
# a problem's key -> when it was last logged
_problems_logged: dict[str, _Logged] = {}


def warn(retirement: Retirement, site: CallSite) -> None:
    """Emit a RetiredToggleWarning pointing at the caller's line."""
    warnings.warn_explicit(
        f"{retirement.name} is retired (see {retirement.upstream_change}); read "
        f"PROCTORING_BACKENDS[<backend>][{retirement.option.name!r}] instead, e.g. with "
        f"{retirement.option.reader}.",
        RetiredToggleWarning,
        site.path,
        site.line,
        module=site.module,
        registry=site.registry,
    )


def _now() -> float:
    return time.monotonic()


def log_read(
    retirement: Retirement, site: CallSite, *, mode: str, legacy: bool | None, new: bool, interval: float
) -> bool:
    """Log the read, at most once per call site per ``interval`` seconds in this process."""
    now = _now()
    with _lock:
        last = _last_logged.get(site.label)
        if last is not None and now - last.at < interval:
            last.suppressed += 1
            return False
        suppressed = last.suppressed if last is not None else 0
        _last_logged[site.label] = _Logged(now)
    differs = None if legacy is None else legacy != new
    log.warning(
        "Retired toggle %s read at %s (mode %s; legacy answer %s, new answer %s%s); %d similar reads suppressed.",
        retirement.name,
        site.label,
        mode,
        legacy,
        new,
        ", they differ" if differs else "",
        suppressed,
        extra={
            "toggle": retirement.name,
            "call_site": site.label,
            "mode": mode,
            "legacy_answer": legacy,
            "new_answer": new,
            "differs": differs,
            "suppressed": suppressed,
        },
    )
    return True


def log_problem(key: str, interval: float, message: str, *args: object) -> bool:
    """
    Log a problem met while answering reads at most once per ``interval`` seconds per ``key`` in this process.

    The record ends with how many times the problem recurred since the last one; it never raises into the read.
    """
    now = _now()
    with _lock:
        last = _problems_logged.get(key)
        if last is not None and now - last.at < interval:
            last.suppressed += 1
            return False
        suppressed = last.suppressed if last is not None else 0
        _problems_logged[key] = _Logged(now)
    log.warning(message + " (%d times more since the last record.)", *args, suppressed, extra={"problem": key})
    return True


def mark_monitoring(retirement: Retirement) -> None:
    """Set the per-request custom monitoring attribute ``retired_toggle_read`` (edx-django-utils); cheap."""
    try:
        set_custom_attribute(MONITORING_ATTRIBUTE, retirement.name)
    # Monitoring must never break a read: edx-django-utils before 8.1 calls a function newrelic 11 removed.
    except Exception:  # pylint: disable=broad-exception-caught
        log.debug("Could not set the monitoring attribute %s.", MONITORING_ATTRIBUTE, exc_info=True)


def reset_rate_limits() -> None:
    """Forget when each call site was last logged (for tests)."""
    with _lock:
        _last_logged.clear()
        _problems_logged.clear()
