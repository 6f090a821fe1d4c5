"""Bounded statements: batches limited by rows and by bytes, under the server's ``max_allowed_packet``."""

from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import Any, TypeVar

from django.db.backends.base.base import BaseDatabaseWrapper

_T = TypeVar("_T")

# MariaDB's (and MySQL 8's) default max_allowed_packet: never assume more, whatever the server allows.
DEFAULT_PACKET = 16 * 2**20
MAX_ROWS = 1000
# Per value: quotes, separators, and the longest number, date or NULL literal.
_VALUE_OVERHEAD = 64
_MYSQL_PACKET_TOO_LARGE = 1153


def statement_budget(connection: BaseDatabaseWrapper) -> int:
    """
    Return how many bytes of values one statement may carry on ``connection``.

    Half the smaller of MariaDB's default ``max_allowed_packet`` and the server's own, read now (MySQL and
    MariaDB; other databases have no such limit, and get the same budget so every statement stays small).
    """
    packet = DEFAULT_PACKET
    if connection.vendor == "mysql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT @@max_allowed_packet")
            packet = min(packet, int(cursor.fetchone()[0]))
    return packet // 2


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
