"""Tell operators about a read: a warning at the call site, a rate-limited log record, a monitoring attribute."""

import logging
import threading
import time
import warnings
from dataclasses import dataclass

from edx_django_utils.monitoring import set_custom_attribute

from ..retirements import Retirement
from ..settings.config import DEFAULTS
from .call_site import CallSite

MONITORING_ATTRIBUTE = "retired_toggle_read"
# Seconds between two records of one problem where TOGGLES_MIGRATION cannot say: READS_LOG_INTERVAL's default.
DEFAULT_INTERVAL = float(DEFAULTS["READS_LOG_INTERVAL"])  # type: ignore[arg-type]  # an int

log = logging.getLogger("toggles_migration.reads")


class RetiredToggleWarning(DeprecationWarning):
    """
    A read of a retired toggle; points at the caller's line.

    Filter it like any warning: ``-W error::toggles_migration.RetiredToggleWarning``, or pytest's
    ``filterwarnings = error::toggles_migration.RetiredToggleWarning``.
    """


class RetiredToggleRead(RuntimeError):
    """Raised by a read of a retired toggle when TOGGLES_MIGRATION['READS'] is 'error'."""


@dataclass
class _Logged:
    """When a call site was last logged in this process, and how many of its reads were not logged since."""

    at: float
    suppressed: int = 0


_lock = threading.Lock()
# (kind, call site label or problem key) -> when it was last logged
_logged: dict[tuple[str, str], _Logged] = {}


def _suppressed_since_last(key: tuple[str, str], interval: float) -> int | None:
    """Return how many records of ``key`` were suppressed since its last one, or None while it stays suppressed."""
    now = _now()
    with _lock:
        last = _logged.get(key)
        if last is not None and now - last.at < interval:
            last.suppressed += 1
            return None
        _logged[key] = _Logged(now)
    return last.suppressed if last is not None else 0


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
) -> None:
    """Log the read, at most once per call site per ``interval`` seconds in this process."""
    suppressed = _suppressed_since_last(("read", site.label), interval)
    if suppressed is None:
        return
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


def log_problem(key: str, interval: float, message: str, *args: object) -> None:
    """Log a problem met while answering reads at most once per ``interval`` seconds per ``key`` in this process."""
    suppressed = _suppressed_since_last(("problem", key), interval)
    if suppressed is not None:
        log.warning(message + " (%d times more since the last record.)", *args, suppressed, extra={"problem": key})


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
        _logged.clear()
