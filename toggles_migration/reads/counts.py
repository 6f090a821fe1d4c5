"""Count reads of retired toggles across processes, through the deployment's shared Django cache."""

from __future__ import annotations

import atexit
import hashlib
import logging
import os
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypedDict

from .notify import DEFAULT_INTERVAL, log_problem

if TYPE_CHECKING:
    from django.core.cache.backends.base import BaseCache

log = logging.getLogger(__name__)

KEY_PREFIX = "toggles_migration:reads:"
TOP_CALL_SITES = 20
# The index of call sites per toggle stops growing here; reads from later sites still count in the total.
MAX_INDEXED_SITES = 1000
# Counts reach the shared cache at most this often per process (and at exit), not on every read.
FLUSH_SECONDS = 1.0
# A flush waits at most this long for each connect or reply of a Redis counts' cache (Redis' own client: 5 s), so
# a hung cache holds the flushing thread, never a read, that long; a loaded but live one still answers in time.
CACHE_TIMEOUT_SECONDS = 0.5
# flush_counts (the status report, the exit) waits at most this long for a flush in progress.
FLUSH_WAIT_SECONDS = 4 * CACHE_TIMEOUT_SECONDS
# After a failed flush the counts wait this long in memory before the next try.
RETRY_AFTER_FAILURE_SECONDS = 30.0
# Per backend, the OPTIONS keys of its socket timeouts (read or write, connect), in seconds: the counts' own
# connection gets CACHE_TIMEOUT_SECONDS in both, or the operator's value where that is shorter.
TIMEOUT_OPTIONS = {
    "django.core.cache.backends.redis.RedisCache": ("socket_timeout", "socket_connect_timeout"),
    "django_redis.cache.RedisCache": ("SOCKET_TIMEOUT", "SOCKET_CONNECT_TIMEOUT"),
}


@dataclass
class _Pending:
    """The reads from one call site counted in this process since the last flush."""

    reads: int
    mismatches: int
    first_seen: float
    last_seen: float


@dataclass
class _FlushState:
    """When this process last flushed its counts, to which cache alias the next flush goes, and the flush lock."""

    # Held while a flush runs; a new one after a fork, whose child has no flushing thread.
    lock: threading.Lock = field(default_factory=threading.Lock)
    last_flush: float = 0.0
    cache_alias: str = "default"
    log_interval: float = DEFAULT_INTERVAL
    # no flush before this time (time.time()): the last one failed
    retry_at: float = 0.0


class CallSiteCounts(TypedDict):
    """The shared counts of one call site, as ``read_counts`` reports them."""

    call_site: str
    reads: int
    mismatches: int
    last_seen: float


class ReadCounts(TypedDict):
    """The shared counts of one toggle's reads, as ``read_counts`` reports them."""

    reads: int
    mismatches: int
    first_seen: float | None
    last_seen: float | None
    call_sites: list[CallSiteCounts]


_lock = threading.Lock()
# (toggle, call site label) -> its counts since the last flush
_pending: dict[tuple[str, str], _Pending] = {}
_state = _FlushState()


def _after_fork_in_child() -> None:
    _state.lock = threading.Lock()


os.register_at_fork(after_in_child=_after_fork_in_child)


def record(toggle: str, site: str, differs: bool, cache_alias: str, log_interval: float = DEFAULT_INTERVAL) -> None:
    """Count one read; when the last flush is older than FLUSH_SECONDS, flush in a thread: a read never waits."""
    now = time.time()
    with _lock:
        entry = _pending.setdefault((toggle, site), _Pending(0, 0, now, now))
        entry.reads += 1
        entry.mismatches += 1 if differs else 0
        entry.last_seen = now
        _state.cache_alias = cache_alias
        _state.log_interval = log_interval
        due = now - _state.last_flush >= FLUSH_SECONDS and now >= _state.retry_at
    # One flush at a time: taken here, released by the flushing thread.
    if due and _state.lock.acquire(blocking=False):
        try:
            threading.Thread(target=_flush_in_background, name="toggles_migration-read-counts", daemon=True).start()
        except RuntimeError:  # no thread can be started (interpreter shutting down): the next flush takes them
            _state.lock.release()


def _flush_in_background() -> None:
    try:
        _flush()
    finally:
        _state.lock.release()
        # A database cache opened a connection for this thread only.
        from django.db import connections  # pylint: disable=import-outside-toplevel

        connections.close_all()


def flush_counts() -> None:
    """Write the counts gathered in this process to the shared cache, after a flush in progress; bounded."""
    if not _state.lock.acquire(timeout=FLUSH_WAIT_SECONDS):
        return  # a flush in progress still waits for the cache: the counts stay pending
    try:
        _flush()
    finally:
        _state.lock.release()


def _flush() -> None:
    """Write the pending counts; a cache outage or a hang only loses them (the caller holds the flush lock)."""
    with _lock:
        pending = dict(_pending)
        _pending.clear()
        _state.last_flush = time.time()
        alias, interval = _state.cache_alias, _state.log_interval
    if not pending:
        return
    try:
        _write(_counts_cache(alias), pending)
    except Exception as error:  # noqa: BLE001  # pylint: disable=broad-exception-caught
        # counting must never break a read; what was written of this flush is unknown, so its counts are dropped
        with _lock:
            _state.retry_at = time.time() + RETRY_AFTER_FAILURE_SECONDS
        log_problem(
            f"counts:{alias}",
            interval,
            "Could not store the counts of %d retired toggle reads in cache %r (%s); they are lost, and the counts "
            "wait %d s in memory before the next try. Check that cache, or point TOGGLES_MIGRATION['READS_CACHE'] "
            "at one that answers.",
            sum(entry.reads for entry in pending.values()),
            alias,
            type(error).__name__,
            RETRY_AFTER_FAILURE_SECONDS,
        )


# alias -> (the CACHES entry, the counts' connection built from it): one per process, used by one flush at a time
_connections: dict[str, tuple[dict[str, Any], BaseCache]] = {}


def _counts_cache(alias: str) -> BaseCache:
    """Return the counts' own instance of the alias (for Redis, TIMEOUT_OPTIONS bounded; other uses keep theirs)."""
    from django.conf import settings  # pylint: disable=import-outside-toplevel
    from django.core.cache import caches  # pylint: disable=import-outside-toplevel

    entry = settings.CACHES.get(alias) if isinstance(settings.CACHES, dict) else None
    if not isinstance(entry, dict):
        return caches[alias]  # raises InvalidCacheBackendError, naming the alias
    found = _connections.get(alias)
    if found is None or found[0] != entry:
        found = _connections[alias] = (dict(entry), _bounded(entry, TIMEOUT_OPTIONS.get(entry.get("BACKEND", ""), ())))
    return found[1]


def _bounded(entry: Mapping[str, Any], keys: tuple[str, ...]) -> BaseCache:
    """Build the backend of a CACHES entry as Django does, with every socket timeout at CACHE_TIMEOUT_SECONDS."""
    from django.utils.module_loading import import_string  # pylint: disable=import-outside-toplevel

    params = dict(entry)
    options = dict(params.get("OPTIONS") or {})
    for key in keys:
        chosen = options.get(key)
        if not isinstance(chosen, (int, float)) or isinstance(chosen, bool) or not 0 < chosen < CACHE_TIMEOUT_SECONDS:
            options[key] = CACHE_TIMEOUT_SECONDS
    params["OPTIONS"] = options
    backend = import_string(str(params.pop("BACKEND")))
    cache: BaseCache = backend(params.pop("LOCATION", ""), params)
    return cache


def _site_key(toggle: str, site: str) -> str:
    # Cache keys must stay short and free of spaces for memcached, whatever the call site label holds.
    digest = hashlib.sha256(site.encode("utf-8", "surrogatepass")).hexdigest()[:24]
    return f"{KEY_PREFIX}{toggle}:site:{digest}"


def _add_to(cache: BaseCache, key: str, amount: int) -> None:
    """Add ``amount`` to a counter atomically (Redis INCRBY, memcached incr, locmem under its lock)."""
    if not amount:
        return  # a missing counter reads as 0
    try:
        cache.incr(key, amount)
    except ValueError:  # the first count: create the counter, whichever process gets there first
        cache.add(key, 0, timeout=None)
        cache.incr(key, amount)


def _write(cache: BaseCache, pending: dict[tuple[str, str], _Pending]) -> None:
    # Every update is an atomic increment or a first-writer-wins add: concurrent flushes from threads and
    # processes never read, modify and write a shared value, so no count is lost.
    by_toggle: dict[str, list[tuple[str, _Pending]]] = {}
    for (toggle, site), entry in pending.items():
        by_toggle.setdefault(toggle, []).append((site, entry))
    for toggle, sites in by_toggle.items():
        key = KEY_PREFIX + toggle
        _add_to(cache, key + ":count", sum(entry.reads for _, entry in sites))
        _add_to(cache, key + ":mismatches", sum(entry.mismatches for _, entry in sites))
        cache.add(key + ":first_seen", min(entry.first_seen for _, entry in sites), timeout=None)
        cache.set(key + ":last_seen", max(entry.last_seen for _, entry in sites), timeout=None)
        for site, entry in sites:
            site_key = _site_key(toggle, site)
            _index_site(cache, key, site_key, site)
            _add_to(cache, site_key + ":reads", entry.reads)
            _add_to(cache, site_key + ":mismatches", entry.mismatches)
            cache.set(site_key + ":last_seen", entry.last_seen, timeout=None)


def _index_site(cache: BaseCache, key: str, site_key: str, site: str) -> None:
    """Give a call site a numbered slot in the toggle's index, once; the index holds MAX_INDEXED_SITES at most."""
    if not cache.add(site_key + ":known", True, timeout=None):
        return
    cache.add(key + ":sites:next", 0, timeout=None)
    number = cache.incr(key + ":sites:next")
    if number <= MAX_INDEXED_SITES:
        cache.set(f"{key}:sites:{number}", site, timeout=None)


def read_counts(toggle: str, cache_alias: str = "default") -> ReadCounts | None:
    """Return the shared counts of a toggle's reads (after flushing this process's), or None if unavailable."""
    flush_counts()
    from django.core.cache import caches

    key = KEY_PREFIX + toggle
    try:
        cache = caches[cache_alias]
        values = cache.get_many([key + suffix for suffix in (":count", ":mismatches", ":first_seen", ":last_seen")])
        call_sites = _busiest_sites(cache, toggle, key)
    except Exception:  # noqa: BLE001  # pylint: disable=broad-exception-caught
        # a status report must survive a cache outage
        return None
    return {
        "reads": values.get(key + ":count", 0),
        "mismatches": values.get(key + ":mismatches", 0),
        "first_seen": values.get(key + ":first_seen"),
        "last_seen": values.get(key + ":last_seen"),
        "call_sites": call_sites,
    }


def _busiest_sites(cache: BaseCache, toggle: str, key: str) -> list[CallSiteCounts]:
    """Return the TOP_CALL_SITES busiest indexed call sites, busiest first, then by label."""
    registered = min(cache.get(key + ":sites:next") or 0, MAX_INDEXED_SITES)
    slots = cache.get_many([f"{key}:sites:{number}" for number in range(1, registered + 1)])
    sites = {_site_key(toggle, site): site for site in slots.values()}
    counters = cache.get_many(
        [site_key + suffix for site_key in sites for suffix in (":reads", ":mismatches", ":last_seen")]
    )
    found: list[CallSiteCounts] = [
        {
            "call_site": site,
            "reads": counters.get(site_key + ":reads", 0),
            "mismatches": counters.get(site_key + ":mismatches", 0),
            "last_seen": counters.get(site_key + ":last_seen", 0),
        }
        for site_key, site in sites.items()
    ]
    found.sort(key=lambda item: (-item["reads"], item["call_site"]))
    return found[:TOP_CALL_SITES]


def reset_counts() -> None:
    """Forget the counts pending in this process, after any flush in progress (for tests)."""
    acquired = _state.lock.acquire(timeout=FLUSH_WAIT_SECONDS)
    try:
        with _lock:
            _pending.clear()
            _state.last_flush = 0.0
            _state.retry_at = 0.0
        _connections.clear()
    finally:
        if acquired:
            _state.lock.release()


atexit.register(flush_counts)
