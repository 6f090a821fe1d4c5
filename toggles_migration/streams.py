"""Read a retirement's live and captured rows a page at a time, in id order (keyset pagination)."""

import json

from . import tables

PAGE = 2000


def toggle_rows(apps, toggle, using, spec):
    """Return the queryset of ``toggle``'s rows in the table of ``spec``, or None when the table is absent."""
    model = tables.get_model(apps, spec)
    if model is None:
        return None
    manager = model._base_manager.db_manager(using)
    if spec.m2m_field:
        flags = tables.get_model(apps, tables.FLAG)._base_manager.db_manager(using).filter(name=toggle)
        return manager.filter(flag_id__in=flags.values("id"))
    return manager.filter(**{spec.toggle_column: toggle})


def _paged(queryset, key, select, *, lock=False, page=PAGE):
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


def live_rows(apps, toggle, using, spec, *, lock=False):
    """
    Yield ``toggle``'s rows in one table as JSON-ready dicts, by id; ``lock`` locks each page as it reads it.

    A page read with ``SELECT ... FOR UPDATE`` is the latest committed version of its rows, at any isolation
    level, and stays so until the transaction ends.
    """
    queryset = toggle_rows(apps, toggle, using, spec)
    if queryset is None:
        return
    for values in _paged(queryset, "id", lambda current: tables.raw_values(current, spec), lock=lock):
        yield tables.encode_row(spec, values)


def captured_rows(manager, capture_id, table):
    """Yield the captured rows of one table as dicts, by id (``manager`` is CapturedRow's)."""
    queryset = manager.filter(capture_id=capture_id, table=table)
    for _, data in _paged(queryset, "row_id", lambda current: current.values_list("row_id", "data")):
        yield json.loads(data)


def captured_ids(manager, capture_id, table):
    """Yield the ids of the captured rows of one table, in order."""
    queryset = manager.filter(capture_id=capture_id, table=table)
    for (row_id,) in _paged(queryset, "row_id", lambda current: current.values_list("row_id")):
        yield row_id


def captured_tables(manager, capture_id):
    """Return the names of the tables the capture holds rows of, sorted."""
    return list(manager.filter(capture_id=capture_id).order_by("table").values_list("table", flat=True).distinct())


def merge(live, captured):
    """Yield (live row or None, captured row or None) pairs of two streams sorted by id, matched by id."""
    live, captured = iter(live), iter(captured)
    here, kept = next(live, None), next(captured, None)
    while here is not None or kept is not None:
        if kept is None or (here is not None and here["id"] < kept["id"]):
            yield here, None
            here = next(live, None)
        elif here is None or kept["id"] < here["id"]:
            yield None, kept
            kept = next(captured, None)
        else:
            yield here, kept
            here, kept = next(live, None), next(captured, None)
