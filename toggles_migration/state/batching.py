"""Bounded statements: batches limited by rows and by bytes, under the server's ``max_allowed_packet``."""

from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from typing import Any, TypeVar

from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper

_T = TypeVar("_T")

# MariaDB's (and MySQL 8's) default max_allowed_packet: never assume more, whatever the server allows.
DEFAULT_PACKET = 16 * 2**20
MAX_ROWS = 1000
# Per value: quotes, separators, and the longest number, date or NULL literal.
_VALUE_OVERHEAD = 64
_MYSQL_PACKET_TOO_LARGE = 1153
# MariaDB's and MySQL's client errors for a connection the server dropped: "server has gone away" (before the
# statement), "lost connection during query" (while it ran), and MySQL 8's "disconnected for inactivity".
_MYSQL_CONNECTION_LOST = (2006, 2013, 4031)
# PostgreSQL: connection exceptions (class 08), and the server ending the session (admin or crash shutdown).
_POSTGRES_CONNECTION_LOST = ("57P01", "57P02", "57P03")


def statement_budget(connection: BaseDatabaseWrapper) -> int:
    """
    Return how many bytes of values one statement may carry on ``connection``.

    Half the smaller of MariaDB's default ``max_allowed_packet`` and the server's own, read now (MySQL and
    MariaDB; other databases have no such limit, and get the same budget so every statement stays small).
    """
    return budget_under(server_packet(connection))


def budget_under(packet: int | None) -> int:
    """Return the bytes of values one statement may carry under a server's ``packet`` (None: no such limit)."""
    return min(DEFAULT_PACKET, packet or DEFAULT_PACKET) // 2


def server_packet(connection: BaseDatabaseWrapper) -> int | None:
    """Return the server's ``max_allowed_packet``, read now (MariaDB and MySQL), or None (no such limit)."""
    if connection.vendor != "mysql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT @@max_allowed_packet")
        return int(cursor.fetchone()[0])


def insert_sql(connection: BaseDatabaseWrapper, table: str, columns: Sequence[str]) -> str:
    """Return the INSERT of one row of ``columns`` into ``table``, with a placeholder per value."""
    quote = connection.ops.quote_name
    return (
        f"INSERT INTO {quote(table)} ({', '.join(quote(name) for name in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )


def fits_packet(connection: BaseDatabaseWrapper, sql: str, params: Sequence[object], packet: int) -> tuple[bool, int]:
    """
    Return (whether ``sql`` with ``params`` fits one packet of ``packet`` bytes, its size in bytes).

    The size is an upper bound unless that bound does not fit: then it is the statement exactly as the client
    escapes it (MySQLdb's ``mogrify``), so a row is never called too large by an estimate.
    """
    size = len(sql.encode()) + row_bytes(params) + 1  # + 1: the command byte of the packet
    if size <= packet:
        return True, size
    with connection.cursor() as cursor:
        size = len(cursor.mogrify(sql, tuple(params)).encode()) + 1
    return size <= packet, size


def value_bytes(value: object) -> int:
    """Return an upper bound of the bytes ``value`` takes in a statement: escaping may double a string."""
    if isinstance(value, str):
        return 2 * len(value.encode("utf-8", "surrogatepass")) + _VALUE_OVERHEAD
    if isinstance(value, bytes):
        return 2 * len(value) + _VALUE_OVERHEAD
    return _VALUE_OVERHEAD


def row_bytes(values: Iterable[object]) -> int:
    """Return an upper bound of the bytes a row of ``values`` takes in a multi-row INSERT."""
    return sum(value_bytes(value) for value in values) + _VALUE_OVERHEAD


def bounded(
    items: Iterable[_T], size_of: Callable[[_T], int], budget: int, max_rows: int = MAX_ROWS
) -> Iterator[list[_T]]:
    """
    Yield lists of consecutive ``items``: at most ``max_rows`` each, and at most ``budget`` bytes by ``size_of``.

    An item larger than the budget on its own goes alone (it was stored once, so the server accepts it).
    """
    batch: list[_T] = []
    used = 0
    for item in items:
        size = size_of(item)
        if batch and (used + size > budget or len(batch) >= max_rows):
            yield batch
            batch, used = [], 0
        batch.append(item)
        used += size
    if batch:
        yield batch


def chunks(items: Iterable[_T], size: int) -> Iterator[list[_T]]:
    """Yield lists of at most ``size`` consecutive items (ids, whose statements are small whatever the packet)."""
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def packet_too_large(error: BaseException) -> bool:
    """Tell whether a database error is MySQL's or MariaDB's 'packet bigger than max_allowed_packet'."""
    cause = error.__cause__ or error
    args: tuple[Any, ...] = getattr(cause, "args", ())
    return bool(args) and args[0] == _MYSQL_PACKET_TOO_LARGE


def connection_lost(error: BaseException) -> str | None:
    """Describe a database error meaning the server dropped the connection (e.g. MariaDB's 2006, 2013), or None."""
    cause = error.__cause__ or error
    args: tuple[Any, ...] = getattr(cause, "args", ())
    if args and isinstance(args[0], int) and args[0] in _MYSQL_CONNECTION_LOST:
        return f"error {args[0]}: {args[1] if len(args) > 1 else 'connection lost'}"
    sqlstate = getattr(cause, "sqlstate", None)
    if isinstance(sqlstate, str) and (sqlstate.startswith("08") or sqlstate in _POSTGRES_CONNECTION_LOST):
        return f"SQLSTATE {sqlstate}"
    # psycopg gives every error the server sent its SQLSTATE: an OperationalError without one is the client's
    # own, that the connection closed ("server closed the connection unexpectedly").
    if isinstance(error, OperationalError) and hasattr(cause, "sqlstate") and sqlstate is None:
        return "the connection was closed"
    return None
