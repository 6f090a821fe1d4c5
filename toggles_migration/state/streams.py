"""Read a retirement's live and captured rows a page at a time, in id order (keyset pagination)."""

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from django.apps.registry import Apps
from django.db.models import Manager, Model, QuerySet

from . import tables
from .tables import Row, TableSpec

PAGE = 2000
# A captured plan's pieces read per query: each holds at most batching.MAX_ROWS items.
PIECES_PAGE = 8
# A selected row: its first value is the key it is paged by.
_Selected = TypeVar("_Selected", bound=tuple[object, ...])


def toggle_rows(apps: Apps, toggle: str, using: str, spec: TableSpec) -> QuerySet[Model] | None:
    """Return the queryset of ``toggle``'s rows in the table of ``spec``, or None when the table is absent."""
    model = tables.get_model(apps, spec)
    if model is None:
        return None
    manager = model._base_manager.db_manager(using)
    if spec.m2m_field:
        flags = tables.flag_model(apps)._base_manager.db_manager(using).filter(name=toggle)
        return manager.filter(flag_id__in=flags.values("id"))
    return manager.filter(**{spec.toggle_column: toggle})


def _paged(
    queryset: QuerySet[Model],
    key: str,
    select: Callable[[QuerySet[Model]], QuerySet[Model, _Selected]],
    *,
    lock: bool = False,
    page: int = PAGE,
) -> Iterator[_Selected]:
    """Yield the tuples ``select`` makes of ``queryset``, ``page`` rows per query, by ``key`` (their first value)."""
    last = None
    while True:
        current = queryset if last is None else queryset.filter(**{f"{key}__gt": last})
        if lock:
            current = current.select_for_update()
        rows = list(select(current.order_by(key))[:page])
        yield from rows
        if len(rows) < page:
            return
        last = rows[-1][0]


def live_rows(apps: Apps, toggle: str, using: str, spec: TableSpec, *, lock: bool = False) -> Iterator[Row]:
    """
    Yield ``toggle``'s rows in one table as JSON-ready dicts, by id; ``lock`` locks each page as it reads it.

    A page read with ``SELECT ... FOR UPDATE`` is the latest committed version of its rows, at any isolation
    level, and stays so until the transaction ends.
    """
    queryset = toggle_rows(apps, toggle, using, spec)
    if queryset is None:
        return
    for values in _paged(queryset, "id", tables.raw_values, lock=lock):
        yield tables.encode_row(queryset.model, values)


def captured_rows(manager: Manager[Model], capture_id: int, table: str, page: int = PAGE) -> Iterator[Row]:
    """Yield the captured rows of one table as dicts, by id (``manager`` is CapturedRow's)."""
    queryset = manager.filter(capture_id=capture_id, table=table)
    selected: Iterator[tuple[int, Row | str]] = _paged(
        queryset, "row_id", lambda current: current.values_list("row_id", "data"), page=page
    )
    for _, data in selected:
        # Text in the historical models of migrations 0001-0002 (migration 0002 backwards restores with them).
        row: Row = json.loads(data) if isinstance(data, str) else data
        yield row


def captured_pieces(manager: Manager[Model], capture_id: int, path: str) -> Iterator[list[Any]]:
    """Yield the items of each piece of one list of a captured plan, in order (``manager`` is PlanPiece's)."""
    queryset = manager.filter(capture_id=capture_id, path=path)
    selected: Iterator[tuple[int, list[Any]]] = _paged(
        queryset, "seq", lambda current: current.values_list("seq", "items"), page=PIECES_PAGE
    )
    for _, items in selected:
        yield items


def captured_ids(manager: Manager[Model], capture_id: int, table: str) -> Iterator[int]:
    """Yield the ids of the captured rows of one table, in order."""
    queryset = manager.filter(capture_id=capture_id, table=table)
    selected: Iterator[tuple[int]] = _paged(queryset, "row_id", lambda current: current.values_list("row_id"))
    for (row_id,) in selected:
        yield row_id


def captured_tables(manager: Manager[Model], capture_id: int) -> list[str]:
    """Return the names of the tables the capture holds rows of, sorted."""
    return list(manager.filter(capture_id=capture_id).order_by("table").values_list("table", flat=True).distinct())


def merge(live: Iterable[Row], captured: Iterable[Row]) -> Iterator[tuple[Row | None, Row | None]]:
    """Yield (live row or None, captured row or None) pairs of two streams sorted by id, matched by id."""
    live_stream, captured_stream = iter(live), iter(captured)
    here, kept = next(live_stream, None), next(captured_stream, None)
    while here is not None or kept is not None:
        if kept is None or (here is not None and _row_id(here) < _row_id(kept)):
            yield here, None
            here = next(live_stream, None)
        elif here is None or _row_id(kept) < _row_id(here):
            yield None, kept
            kept = next(captured_stream, None)
        else:
            yield here, kept
            here, kept = next(live_stream, None), next(captured_stream, None)


def _row_id(row: Row) -> int:
    row_id = row["id"]
    if not isinstance(row_id, int):
        raise TypeError(f"a stored row's id is {type(row_id).__name__}, not int")
    return row_id


@dataclass(frozen=True)
class StoredRows:
    """Every stored row of one toggle, per table name, as JSON-ready dicts sorted by id."""

    toggle: str
    rows: dict[str, tuple[Row, ...]]


def read_rows(apps: Apps, toggle: str, using: str) -> StoredRows:
    """Read every stored row of ``toggle``: one query per table, whatever the row count."""
    rows: dict[str, tuple[Row, ...]] = {}
    flag_ids = list(
        tables.flag_model(apps)._base_manager.db_manager(using).filter(name=toggle).values_list("id", flat=True)
    )
    for spec in tables.FLAG_TABLES:
        model = tables.get_model(apps, spec)
        if model is None:  # edx-platform's override tables may be absent
            continue
        manager = model._base_manager.db_manager(using)
        if spec.m2m_field:
            if not flag_ids:
                rows[spec.table] = ()
                continue
            queryset = manager.filter(flag_id__in=flag_ids)
        else:
            queryset = manager.filter(**{spec.toggle_column: toggle})
        values = tables.raw_values(queryset.order_by("id")).iterator(chunk_size=PAGE)
        rows[spec.table] = tuple(tables.encode_row(model, row) for row in values)
    return StoredRows(toggle=toggle, rows=rows)
