"""Serialise the actions on one retirement: each holds the lock on its Capture record until it commits."""

from typing import Any

from django.db import connections
from django.db.models import F

# Database errors meaning "another transaction holds what this one needs": the loser of a race.
_MYSQL_BUSY = {1205: "lock wait timeout", 1213: "deadlock"}
_POSTGRES_BUSY = {"40P01": "deadlock", "40001": "concurrent update", "55P03": "lock timeout"}
_SQLITE_BUSY = ("database is locked", "database table is locked")


def lock_capture(manager: Any, toggle: str, *, write: bool = True) -> Any:
    """
    Return the Capture of ``toggle``, locked until the transaction ends, or None when there is none.

    ``SELECT ... FOR UPDATE`` where the database has it. SQLite has one write lock for the whole file: a no-op
    UPDATE as the transaction's first statement takes it (``write``), so a second writer waits for it instead
    of failing when it upgrades a read lock; a reader (``write=False``) keeps a consistent view without it.
    """
    connection = connections[manager.db]
    if connection.features.has_select_for_update:
        return manager.select_for_update().filter(toggle=toggle).first()
    if write:
        manager.filter(toggle=toggle).update(toggle=F("toggle"))
    return manager.filter(toggle=toggle).first()


def busy_reason(error: BaseException) -> str | None:
    """Name the race behind a database error (lock wait timeout, deadlock, concurrent update), or None."""
    cause = error.__cause__ or error
    sqlstate = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    if sqlstate in _POSTGRES_BUSY:
        return _POSTGRES_BUSY[sqlstate]
    args = getattr(cause, "args", ())
    if args and isinstance(args[0], int) and args[0] in _MYSQL_BUSY:
        return _MYSQL_BUSY[args[0]]
    if any(text in str(cause) for text in _SQLITE_BUSY):
        return "database is locked"
    return None
