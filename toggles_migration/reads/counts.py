"""Count reads of retired toggles across processes, through the deployment's shared Django cache."""

import atexit
import logging
import threading
import time

log = logging.getLogger(__name__)

KEY_PREFIX = "toggles_migration:reads:"
TOP_CALL_SITES = 20
# Counts reach the shared cache at most this often per process (and at exit), not on every read.
FLUSH_SECONDS = 1.0

_lock = threading.Lock()
_pending = {}
_state = {"last_flush": 0.0, "cache_alias": "default"}


def record(toggle, site, differs, cache_alias):
    """Count one read; flush to the cache when the last flush is older than FLUSH_SECONDS."""
    now = time.time()
    with _lock:
        entry = _pending.setdefault((toggle, site), [0, 0, now, now])
        entry[0] += 1
        entry[1] += 1 if differs else 0
        entry[3] = now
        _state["cache_alias"] = cache_alias
        due = now - _state["last_flush"] >= FLUSH_SECONDS
    if due:
        flush_counts()


def flush_counts():
    """Write the counts gathered in this process to the shared cache; a cache outage only loses them."""
    with _lock:
        pending = dict(_pending)
        _pending.clear()
        _state["last_flush"] = time.time()
        alias = _state["cache_alias"]
    if not pending:
        return
    try:
        from django.core.cache import caches

        _write(caches[alias], pending)
    except Exception:  # noqa: BLE001  counting must never break a read
        log.warning("Could not store the counts of retired toggle reads in cache %r; they are lost.", alias)


def _write(cache, pending):
    by_toggle = {}
    for (toggle, site), entry in pending.items():
        by_toggle.setdefault(toggle, []).append((site, entry))
    for toggle, sites in by_toggle.items():
        key = KEY_PREFIX + toggle
        reads = sum(entry[0] for _, entry in sites)
        mismatches = sum(entry[1] for _, entry in sites)
        cache.add(key + ":count", 0, timeout=None)
        cache.incr(key + ":count", reads)
        cache.add(key + ":mismatches", 0, timeout=None)
        if mismatches:
            cache.incr(key + ":mismatches", mismatches)
        cache.add(key + ":first_seen", min(entry[2] for _, entry in sites), timeout=None)
        cache.set(key + ":last_seen", max(entry[3] for _, entry in sites), timeout=None)
        stored = cache.get(key + ":sites") or {}
        for site, entry in sites:
            known = stored.setdefault(site, {"reads": 0, "mismatches": 0, "last_seen": 0})
            known["reads"] += entry[0]
            known["mismatches"] += entry[1]
            known["last_seen"] = max(known["last_seen"], entry[3])
        # Bounded: keep the busiest call sites only.
        top = sorted(stored.items(), key=lambda item: (-item[1]["reads"], item[0]))[:TOP_CALL_SITES]
        cache.set(key + ":sites", dict(top), timeout=None)


def read_counts(toggle, cache_alias="default"):
    """Return the shared counts of a toggle's reads (after flushing this process's), or None if unavailable."""
    flush_counts()
    from django.core.cache import caches

    key = KEY_PREFIX + toggle
    try:
        cache = caches[cache_alias]
        values = cache.get_many(
            [key + suffix for suffix in (":count", ":mismatches", ":first_seen", ":last_seen", ":sites")]
        )
    except Exception:  # noqa: BLE001  a status report must survive a cache outage
        return None
    sites = values.get(key + ":sites") or {}
    return {
        "reads": values.get(key + ":count", 0),
        "mismatches": values.get(key + ":mismatches", 0),
        "first_seen": values.get(key + ":first_seen"),
        "last_seen": values.get(key + ":last_seen"),
        "call_sites": [
            {"call_site": site, **counts}
            for site, counts in sorted(sites.items(), key=lambda item: (-item[1]["reads"], item[0]))
        ],
    }


def reset_counts():
    """Forget the counts pending in this process (for tests)."""
    with _lock:
        _pending.clear()
        _state["last_flush"] = 0.0


atexit.register(flush_counts)
