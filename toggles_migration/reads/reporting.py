"""Tell operators about a read: a warning at the call site, a rate-limited log record, a monitoring attribute."""

import logging
import threading
import time
import warnings

from edx_django_utils.monitoring import set_custom_attribute

from .exceptions import RetiredToggleWarning

MONITORING_ATTRIBUTE = "retired_toggle_read"

log = logging.getLogger("toggles_migration.reads")

_lock = threading.Lock()
# call site label -> [time of the last record, reads suppressed since]
_last_logged = {}


def warn(retirement, site):
    """Emit a RetiredToggleWarning pointing at the caller's line."""
    warnings.warn_explicit(
        f"{retirement.name} is retired (see {retirement.upstream_change}); read "
        f"PROCTORING_BACKENDS[<backend>][{retirement.option.name!r}] instead, e.g. with "
        f"toggles_migration.{retirement.option.name}(provider).",
        RetiredToggleWarning,
        site.path,
        site.line,
        module=site.module,
        registry=site.registry,
    )


def _now():
    return time.monotonic()


def log_read(retirement, site, *, mode, legacy, new, interval):
    """Log the read, at most once per call site per ``interval`` seconds in this process."""
    now = _now()
    with _lock:
        last = _last_logged.get(site.label)
        if last is not None and now - last[0] < interval:
            last[1] += 1
            return False
        suppressed = last[1] if last is not None else 0
        _last_logged[site.label] = [now, 0]
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


def mark_monitoring(retirement):
    """Set the per-request custom monitoring attribute ``retired_toggle_read`` (edx-django-utils); cheap."""
    set_custom_attribute(MONITORING_ATTRIBUTE, retirement.name)


def reset_rate_limits():
    """Forget when each call site was last logged (for tests)."""
    with _lock:
        _last_logged.clear()
