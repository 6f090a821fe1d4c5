"""The capture's stored plan: its head in ``Capture.plan_json``, each of its lists in bounded ``PlanPiece`` rows."""

import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.db import connections, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Manager, Model

from ..settings.config import read_settings
from . import batching, context, locking, streams

# PlanPiece's table. Migration 0002 runs before 0003 on a new site, with models that have no PlanPiece: it keeps
# the pieces as CapturedRows of this reserved table name (row_id the seq, data {"path", "items"}); 0004 moves them.
RESERVED_TABLE = "toggles_migration_planpiece"
# What MySQL's client escapes with a backslash in a string literal, and the rest of an UPDATE of one value.
_MYSQL_ESCAPED = "\0\n\r\\'\"\x1a"
_STATEMENT_OVERHEAD = 1024

# (seq, the list's JSON Pointer, its items, an upper bound of their bytes in a statement)
Piece = tuple[int, str, list[Any], int]


def text_form(model: type[Model], field: str) -> bool:
    """Tell whether ``field`` of ``model`` holds JSON text: the historical models of migrations 0001-0002 (0.2.0)."""
    return isinstance(model._meta.get_field(field), models.TextField)


def store(header: Any, plan: dict[str, Any], using: str) -> None:
    """
    Store ``plan`` (a Plan's JSON form) for ``header``: each list in pieces, the rest on ``header`` to be saved.

    A piece holds at most ``batching.MAX_ROWS`` items and the statement budget's bytes (one item larger than the
    budget goes alone): no value written grows with the number of courses, keys or rows.
    """
    capture_model = type(header)
    budget = batching.statement_budget(connections[using])
    head, pieces = split(plan, budget)
    if text_form(capture_model, "plan_json"):
        rows = _manager(capture_model, "CapturedRow", using)
        rows.filter(capture_id=header.pk, table=RESERVED_TABLE).delete()
        _write_reserved(rows, header.pk, pieces, budget)
        header.plan_json = json.dumps(head, sort_keys=True)
        return
    manager = _manager(capture_model, "PlanPiece", using)
    manager.filter(capture_id=header.pk).delete()
    _write(manager, header.pk, pieces, budget)
    header.plan_json = head


def split(plan: dict[str, Any], budget: int, first: int = 0) -> tuple[dict[str, Any], Iterator[Piece]]:
    """Return ``plan`` with every list reached through objects emptied, and those lists' pieces from seq ``first``."""
    lists: list[tuple[str, list[Any]]] = []
    head: dict[str, Any] = _emptied(plan, "", lists)
    return head, _pieces(lists, budget, first)


def _emptied(value: Any, pointer: str, lists: list[tuple[str, list[Any]]]) -> Any:
    if isinstance(value, dict):
        return {key: _emptied(member, _pointer(pointer, key), lists) for key, member in value.items()}
    if isinstance(value, list):
        lists.append((pointer, value))
        return []
    return value


def _pointer(parent: str, key: object) -> str:
    """Return the JSON Pointer (RFC 6901) of ``key`` under ``parent``."""
    return f"{parent}/{str(key).replace('~', '~0').replace('/', '~1')}"


def _pieces(lists: Iterable[tuple[str, list[Any]]], budget: int, first: int) -> Iterator[Piece]:
    seq = first
    for pointer, items in lists:
        sized = ((item, batching.value_bytes(json.dumps(item))) for item in items)
        for chunk in batching.bounded(sized, _second, budget):
            yield seq, pointer, [item for item, _ in chunk], sum(size for _, size in chunk)
            seq += 1


def _second(pair: tuple[Any, int]) -> int:
    return pair[1]


def _piece_bytes(piece: Piece) -> int:
    return piece[3] + batching.row_bytes((piece[1], piece[0]))


def _write(manager: Manager[Model], capture_id: int, pieces: Iterable[Piece], budget: int) -> None:
    model = manager.model
    for batch in batching.bounded(pieces, _piece_bytes, budget):
        manager.bulk_create(
            [model(capture_id=capture_id, seq=seq, path=path, items=items) for seq, path, items, _ in batch]
        )


def _write_reserved(rows: Manager[Model], capture_id: int, pieces: Iterable[Piece], budget: int) -> None:
    model = rows.model
    text = text_form(model, "data")
    for batch in batching.bounded(pieces, _piece_bytes, budget):
        rows.bulk_create(
            [
                model(capture_id=capture_id, table=RESERVED_TABLE, row_id=seq, data=_reserved(path, items, text))
                for seq, path, items, _ in batch
            ]
        )


def _reserved(path: str, items: list[Any], text: bool) -> Any:
    value = {"path": path, "items": items}
    return json.dumps(value, sort_keys=True, separators=(",", ":")) if text else value


def whole(pieces: Manager[Model], header: Any) -> dict[str, Any]:
    """Return the plan ``header`` stores, whole: each list of its head followed by its pieces' items (memory!)."""
    plan: dict[str, Any] = _filled(
        header.plan_json, "", lambda pointer, items: items + list(_items(pieces, header.pk, pointer))
    )
    return plan


def streamed(pieces: Manager[Model], header: Any) -> dict[str, Any]:
    """Return the plan ``header`` stores with each list an iterator of pages of items, read a piece at a time."""
    plan: dict[str, Any] = _filled(
        header.plan_json, "", lambda pointer, items: _pages(items, pieces, header.pk, pointer)
    )
    return plan


def read_list(pieces: Manager[Model], header: Any, key: str) -> list[Any]:
    """Return the list under ``key`` at the top of the plan ``header`` stores ([] when it has none)."""
    head = header.plan_json.get(key) or []
    return [*head, *_items(pieces, header.pk, _pointer("", key))]


def _filled(value: Any, pointer: str, fill: Callable[[str, list[Any]], Any]) -> Any:
    if isinstance(value, dict):
        return {key: _filled(member, _pointer(pointer, key), fill) for key, member in value.items()}
    if isinstance(value, list):
        return fill(pointer, value)
    return value


def _pages(head: list[Any], pieces: Manager[Model], capture_id: int, pointer: str) -> Iterator[list[Any]]:
    if head:
        yield head
    yield from streams.captured_pieces(pieces, capture_id, pointer)


def _items(pieces: Manager[Model], capture_id: int, pointer: str) -> Iterator[Any]:
    for page in streams.captured_pieces(pieces, capture_id, pointer):
        yield from page


def to_pieces(capture_model: type[Model], using: str, retry: str) -> None:
    """Migration 0004: move each capture's plan lists, and the pieces 0002 kept as CapturedRows, into PlanPiece."""
    rows, pieces = (_manager(capture_model, name, using) for name in ("CapturedRow", "PlanPiece"))
    budget = batching.statement_budget(connections[using])

    def move(header: Any) -> None:
        capture_id = header.pk
        last = pieces.filter(capture_id=capture_id).order_by("-seq").values_list("seq", flat=True).first()
        head, split_pieces = split(header.plan_json, budget, first=0 if last is None else last + 1)
        _write(pieces, capture_id, split_pieces, budget)
        last = pieces.filter(capture_id=capture_id).order_by("-seq").values_list("seq", flat=True).first()
        kept: Iterator[Any] = streams.captured_rows(rows, capture_id, RESERVED_TABLE, page=streams.PIECES_PAGE)
        moved = (
            (seq, data["path"], data["items"], batching.value_bytes(json.dumps(data["items"])))
            for seq, data in enumerate(kept, start=0 if last is None else last + 1)
        )
        _write(pieces, capture_id, moved, budget)
        rows.filter(capture_id=capture_id, table=RESERVED_TABLE).delete()
        header.plan_json = head
        header.save(update_fields=["plan_json"])

    _each_locked(capture_model, using, retry, move)


def from_pieces(capture_model: type[Model], using: str, retry: str) -> None:
    """Migration 0004 backwards: each plan whole in ``plan_json``, or its pieces kept as CapturedRows if too large."""
    rows, pieces = (_manager(capture_model, name, using) for name in ("CapturedRow", "PlanPiece"))
    connection = connections[using]
    budget = batching.statement_budget(connection)

    def put_back(header: Any) -> None:
        plan = whole(pieces, header)
        if fits_one_statement(connection, plan):
            header.plan_json = plan
        else:
            head, kept = split(plan, budget)
            _write_reserved(rows, header.pk, kept, budget)
            header.plan_json = head
        pieces.filter(capture_id=header.pk).delete()
        header.save(update_fields=["plan_json"])

    _each_locked(capture_model, using, retry, put_back)


def _each_locked(capture_model: type[Model], using: str, retry: str, step: Callable[[Any], None]) -> None:
    """
    Run ``step`` on each capture, locked as the actions lock it, in a transaction of its own (a savepoint).

    The wait for the lock is bounded by TOGGLES_MIGRATION['LOCK_TIMEOUT'] and a fault is the actions' refusal,
    ending with ``retry``: a migration never waits for ever on a running ``retire_toggle`` action.
    """
    captures = _manager(capture_model, "Capture", using)
    lock_timeout = read_settings().lock_timeout
    # Every capture, its retirement declared or not (a fork may have dropped one): each plan is stored alike.
    for toggle in list(captures.order_by("pk").values_list("toggle", flat=True)):
        with context.serialised_capture(using, toggle, capture_model, lock_timeout, retry):
            step(locking.lock_capture(captures, toggle))


def fits_one_statement(connection: BaseDatabaseWrapper, value: Any) -> bool:
    """Tell whether ``value`` as one JSON value fits a statement of the server (only MySQL and MariaDB bound it)."""
    if connection.vendor != "mysql":
        return True
    text = json.dumps(value)
    escaped = len(text.encode("utf-8", "surrogatepass")) + sum(text.count(char) for char in _MYSQL_ESCAPED)
    with connection.cursor() as cursor:
        cursor.execute("SELECT @@max_allowed_packet")
        packet = int(cursor.fetchone()[0])
    return escaped + _STATEMENT_OVERHEAD <= packet


def delete_pieces(capture_model: type[Model], capture_id: int, using: str) -> None:
    """
    Delete a capture's pieces, whatever the models.

    A retirement's migration reversed while this app is at 0003 or later runs with the models of its place in the
    migration plan, before 0003: they lack PlanPiece, whose table exists.
    """
    try:
        _manager(capture_model, "PlanPiece", using).filter(capture_id=capture_id).delete()
    except LookupError:
        connection = connections[using]
        if RESERVED_TABLE in connection.introspection.table_names():
            with connection.cursor() as cursor:
                table = connection.ops.quote_name(RESERVED_TABLE)
                cursor.execute(f"DELETE FROM {table} WHERE capture_id = %s", [capture_id])


def _manager(capture_model: type[Model], name: str, using: str) -> Any:
    """Return a plain manager of one of our models from ``capture_model``'s registry (historical or live)."""
    return capture_model._meta.apps.get_model("toggles_migration", name)._base_manager.db_manager(using)
