"""Serialise the actions on one retirement: each holds the lock on its Capture record, waiting a bounded time."""

import re
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import Error, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import F

# Database errors meaning "another transaction holds what this one needs": the loser of a race.
_MYSQL_BUSY = {1205: "lock wait timeout", 1213: "deadlock"}
_POSTGRES_BUSY = {"40P01": "deadlock", "40001": "concurrent update", "55P03": "lock timeout"}
_SQLITE_BUSY = ("database is locked", "database table is locked")
# The reasons that mean the wait this module bounded ran out (the others are races the database resolved at once).
TIMED_OUT = ("lock wait timeout", "lock timeout", "database is locked")
# Other processes named at most, and the words of their statement shown: enough to recognise it.
_HOLDERS = 3
_WORDS = 4
# A word of SQL that is a keyword or a quoted name, never a value: no quote mark, no leading digit or sign.
_NAME_WORD = re.compile(r"""[A-Za-z_"`][\w"`.,()*]*""")

# The connections inside a bounded transaction now, and SQLite's busy timeout before it (MariaDB keeps its own).
_BOUNDED: "weakref.WeakSet[BaseDatabaseWrapper]" = weakref.WeakSet()
_SQLITE_PREVIOUS: "weakref.WeakKeyDictionary[BaseDatabaseWrapper, int]" = weakref.WeakKeyDictionary()
_PREVIOUS_WAIT = "@toggles_migration_previous_lock_wait"
_PREVIOUS_METADATA_WAIT = "@toggles_migration_previous_metadata_lock_wait"

# Who holds locks on the capture table: row locks (SELECT ... FOR UPDATE) and writes, this database's only.
_POSTGRES_HOLDERS = """
    SELECT DISTINCT a.pid, a.usename, a.state, a.query, EXTRACT(EPOCH FROM now() - a.xact_start), a.xact_start
    FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
    WHERE l.relation = to_regclass(%s) AND l.granted AND l.pid <> pg_backend_pid()
      AND l.mode IN ('RowShareLock', 'RowExclusiveLock')
    ORDER BY a.xact_start
"""
# InnoDB lists the locks of a transaction only while another waits for them: once this one gave up, the
# transactions of this database holding row or table locks are the candidates, and the statements queued for a
# table's metadata lock (an ALTER TABLE waiting for a long transaction makes every later statement wait behind it).
_MYSQL_HOLDERS = """
    SELECT p.ID, p.USER, IF(p.STATE LIKE 'Waiting for %%metadata lock', p.STATE, p.COMMAND), p.INFO,
           TIMESTAMPDIFF(SECOND, t.trx_started, NOW())
    FROM information_schema.PROCESSLIST p LEFT JOIN information_schema.INNODB_TRX t ON t.trx_mysql_thread_id = p.ID
    WHERE p.DB = DATABASE() AND p.ID <> CONNECTION_ID()
      AND (t.trx_rows_locked > 0 OR t.trx_tables_locked > 0 OR p.STATE LIKE 'Waiting for %%metadata lock')
    ORDER BY t.trx_started IS NULL, t.trx_started, p.ID
"""


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


@contextmanager
def bounded_transaction(using: str, seconds: int) -> Iterator[None]:
    """
    Run the block in one transaction (a savepoint inside another) whose every lock wait ends after ``seconds``.

    PostgreSQL: ``SET LOCAL lock_timeout``, which ends with the transaction (or the savepoint rolled back): it
    bounds row and table locks alike. MariaDB/MySQL: the session's ``innodb_lock_wait_timeout`` (row locks) and
    ``lock_wait_timeout`` (a table's metadata lock, e.g. behind an ALTER TABLE), and SQLite's busy timeout, are set
    for the block and put back after it, whatever happened. A block inside another one on the same connection
    keeps its bound.
    """
    connection = connections[using]
    if connection in _BOUNDED:
        with transaction.atomic(using=using):
            yield
        return
    _BOUNDED.add(connection)
    try:
        _set_session_wait(connection, seconds)
        with transaction.atomic(using=using):
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(f"SET LOCAL lock_timeout = {int(seconds) * 1000}")
            yield
    finally:
        _BOUNDED.discard(connection)
        _put_back_session_wait(connection)


def _set_session_wait(connection: BaseDatabaseWrapper, seconds: int) -> None:
    """Set MariaDB's or SQLite's lock wait for this session, keeping the previous one to put back."""
    with connection.cursor() as cursor:
        if connection.vendor == "mysql":
            # One round trip: the previous value is kept in a session variable of our own.
            cursor.execute(
                f"SET {_PREVIOUS_WAIT} = @@SESSION.innodb_lock_wait_timeout, "
                f"{_PREVIOUS_METADATA_WAIT} = @@SESSION.lock_wait_timeout, "
                f"SESSION innodb_lock_wait_timeout = {int(seconds)}, SESSION lock_wait_timeout = {int(seconds)}"
            )
        elif connection.vendor == "sqlite":
            cursor.execute("PRAGMA busy_timeout")
            _SQLITE_PREVIOUS[connection] = int(cursor.fetchone()[0])
            cursor.execute(f"PRAGMA busy_timeout = {int(seconds) * 1000}")


def _put_back_session_wait(connection: BaseDatabaseWrapper) -> None:
    statement = None
    if connection.vendor == "mysql":
        statement = (
            f"SET SESSION innodb_lock_wait_timeout = {_PREVIOUS_WAIT}, "
            f"SESSION lock_wait_timeout = {_PREVIOUS_METADATA_WAIT}"
        )
    elif connection in _SQLITE_PREVIOUS:
        statement = f"PRAGMA busy_timeout = {_SQLITE_PREVIOUS.pop(connection)}"
    if statement is None:
        return
    try:
        with connection.cursor() as cursor:
            cursor.execute(statement)
    except Error:
        # The connection was lost (the fault being reported): the session and its setting went with it.
        pass


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


def lock_holders(using: str, table: str) -> list[str] | None:
    """
    Describe the other processes holding locks on ``table`` as the database shows them, or None if it cannot tell.

    Each is its process id, user, state, seconds into its transaction and the first words of its statement
    (never a value). Asking never fails: any error means the database cannot tell.
    """
    connection = connections[using]
    query = {"postgresql": _POSTGRES_HOLDERS, "mysql": _MYSQL_HOLDERS}.get(connection.vendor)
    if query is None:
        return None
    try:
        with transaction.atomic(using=using), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(query, [connection.ops.quote_name(table)])
            else:
                cursor.execute(query)
            rows = cursor.fetchmany(_HOLDERS)
    except Error:
        return None
    return [_holder(pid, user, state, statement, seconds) for pid, user, state, statement, seconds, *_ in rows]


def _holder(pid: object, user: object, state: object, statement: object, seconds: object) -> str:
    parts = [f"user {user}", str(state or "idle").lower()]
    if seconds is not None:
        parts.append(f"{int(float(str(seconds)))} s into its transaction")
    words = first_words(statement if isinstance(statement, str) else "")
    if words:
        parts.append(f"statement {words}")
    return f"process {pid} ({', '.join(parts)})"


def first_words(statement: str) -> str:
    """Return the first words of an SQL statement up to the first value (a literal), with "..." if cut."""
    words: list[str] = []
    for word in statement.split():
        if len(words) == _WORDS or not _NAME_WORD.fullmatch(word):
            break
        words.append(word)
    cut = len(words) < len(statement.split())
    return " ".join(words) + (" ..." if words and cut else "")
