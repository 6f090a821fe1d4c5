"""Recreate exactly the captured rows that are missing, and forget a capture (migration 0002 backwards)."""

from collections.abc import Iterator
from typing import Any

from django.core.management.color import no_style
from django.db import IntegrityError, connections
from django.db.models import Model

from . import batching, stored_plan, streams, tables
from .context import (
    CAPTURED,
    PRUNED,
    SAMPLE,
    ActionRefused,
    ChangeReport,
    Context,
    PacketCheck,
    Unresolved,
    captured_rows,
    clear_cache_after_commit,
    count_rows,
    live_rows,
    lock,
    retry_command,
    serialised,
)
from .prune import compare
from .tables import Row, TableSpec


def restore(ctx: Context, dry_run: bool = False) -> ChangeReport:
    """
    Recreate exactly the captured rows that are missing (same ids, values and dates), then clear the cache.

    Links and authors pointing at users or groups that no longer exist are reported, never invented: such a
    link is left out, such an author is restored as NULL. The capture is marked captured only once every
    table holds exactly what this run expects.
    """
    retry = retry_command(ctx, "restore", "--dry-run" if dry_run else "")
    with serialised(ctx, retry) as packet:
        header = lock(ctx)
        if header is None:
            raise ActionRefused(f"{ctx.retirement.name} is not captured: there is nothing to restore.")
        _, differences = compare(ctx, header)
        for table, diff in differences.items():
            if diff["added"] or diff["changed"]:
                raise ActionRefused(
                    f"{table} holds rows of {ctx.retirement.name} that are not in the capture or differ from it "
                    f"(ids {diff['ids']}): restoring would overwrite them. Delete or review them first; "
                    "`retire_toggle export` shows the captured rows."
                )
        budget = batching.budget_under(packet)
        restored: dict[str, int] = {}
        unresolved: list[Unresolved] = []
        expected: dict[str, int] = {}
        for spec in tables.FLAG_TABLES:
            check = PacketCheck(ctx, spec, packet)
            present, inserted, gone = _restore_table(ctx, header, spec, (budget, check), dry_run)
            check.refuse("restore cannot put them back, and inserted none.", retry)
            expected[spec.table] = present + inserted
            unresolved.extend(gone)
            if inserted:
                restored[spec.table] = inserted
        report = ChangeReport(
            toggle=ctx.retirement.name,
            dry_run=dry_run,
            restored=restored,
            unresolved=tuple(sorted(unresolved, key=lambda item: (item.table, item.id))),
        )
        if dry_run:
            return report
        for spec in tables.FLAG_TABLES:
            if count_rows(ctx, spec) != expected[spec.table]:
                raise ActionRefused(
                    f"{spec.table} rows of {ctx.retirement.name} changed while it was being restored: nothing was "
                    "restored. Run `retire_toggle restore --dry-run` to review, then run it again."
                )
        header.state = CAPTURED
        header.pruned_at = None
        header.save(update_fields=["state", "pruned_at"])
        clear_cache_after_commit(ctx, report.warnings)
    return report


def _restore_table(
    ctx: Context, header: Any, spec: TableSpec, limits: tuple[int, PacketCheck], dry_run: bool
) -> tuple[int, int, list[Unresolved]]:
    """
    Insert the captured rows of one table that are missing; return (rows present, rows inserted, unresolved).

    ``limits``: the byte budget of a batch, and the check that records (and skips) a row that no statement
    under the server's packet can carry; the caller refuses once the table is read, which undoes every insert.
    """
    budget, check = limits
    model = tables.get_model(ctx.apps, spec)
    captured = captured_rows(ctx, header, spec.table)
    if model is None:
        if next(captured, None) is not None:
            raise ActionRefused(
                f"The capture of {ctx.retirement.name} holds {spec.table} rows, but that table is not installed "
                "here: run restore where the app that owns it is installed."
            )
        return 0, 0, []
    captured = (tables.table_row(model, row) for row in captured)
    tally = {"present": 0}

    def missing() -> Iterator[Row]:
        # The rows were compared, locked, just before: a difference now is a row inserted meanwhile.
        for here, kept in streams.merge(live_rows(ctx, spec), captured):
            if here is None and kept is not None:
                if check.fits(kept):
                    yield kept
            elif here is not None and here != kept:
                raise ActionRefused(
                    f"{spec.table} rows of {ctx.retirement.name} changed while it was being restored (id "
                    f"{here['id']}): nothing was restored. Run `retire_toggle restore --dry-run` to review."
                )
            else:
                tally["present"] += 1

    inserted = 0
    unresolved: list[Unresolved] = []
    for batch in batching.bounded(missing(), _row_size, budget):
        _refuse_taken_ids(ctx, spec, model, batch)
        gone = _unresolved_references(ctx, spec, batch)
        rows = _without_unresolved(spec, batch, gone)
        if rows and not dry_run:
            _insert_rows(ctx, spec, model, rows)
        inserted += len(rows)
        unresolved.extend(gone)
    if inserted and not dry_run:
        _reset_sequence(ctx, model)
    return tally["present"], inserted, unresolved


def _row_size(row: Row) -> int:
    return batching.row_bytes(row.values())


def _refuse_taken_ids(ctx: Context, spec: TableSpec, model: type[Model], rows: list[Row]) -> None:
    taken = list(ctx.manager(model).filter(id__in=[row["id"] for row in rows]).values_list("id", flat=True))
    if taken:
        raise ActionRefused(
            f"{spec.table} ids {sorted(taken)[:SAMPLE]} of the capture now belong to other rows (another flag's): "
            f"restoring {ctx.retirement.name} would overwrite them. `retire_toggle export` shows the captured rows."
        )


def _unresolved_references(ctx: Context, spec: TableSpec, rows: list[Row]) -> list[Unresolved]:
    unresolved: list[Unresolved] = []
    for column, app_label, model_name in spec.references:
        wanted = {reference for row in rows if (reference := _reference(row, column)) is not None}
        if not wanted:
            continue
        model = ctx.apps.get_model(app_label, model_name)
        present = set(ctx.manager(model).filter(pk__in=sorted(wanted)).values_list("pk", flat=True))
        for row in rows:
            row_id, missing = _reference(row, "id"), _reference(row, column)
            if row_id is not None and missing is not None and missing not in present:
                unresolved.append(Unresolved(table=spec.table, column=column, id=row_id, missing=missing))
    return unresolved


def _reference(row: Row, column: str) -> int | None:
    """Return the value of an id column of a captured row (None for NULL); anything but an id is refused."""
    value = row[column]
    if value is not None and not isinstance(value, int):
        raise ActionRefused(
            f"A captured row's {column} is a {type(value).__name__}, not an id: the capture was changed outside "
            "retire_toggle, and nothing was restored. `retire_toggle export` shows the captured rows to repair."
        )
    return value


def _without_unresolved(spec: TableSpec, rows: list[Row], unresolved: list[Unresolved]) -> list[Row]:
    gone = {(item.column, item.id) for item in unresolved if item.table == spec.table}
    if not gone:
        return rows
    kept = []
    for row in rows:
        lost = [column for column, _, _ in spec.references if (column, row["id"]) in gone]
        if lost and spec.m2m_field:
            continue  # a link to a user or group that no longer exists is not invented
        kept.append({**row, **dict.fromkeys(lost)})  # an author that no longer exists becomes NULL
    return kept


def _insert_rows(ctx: Context, spec: TableSpec, model: type[Model], rows: list[Row]) -> None:
    """Insert one bounded batch of rows verbatim; raw SQL, because ORM inserts would reset auto_now_add dates."""
    connection = connections[ctx.using]
    sql = batching.insert_sql(connection, spec.table, [name for name, _, _ in tables.columns(model)])
    try:
        with connection.cursor() as cursor:
            cursor.executemany(sql, [tables.db_values(connection, model, row) for row in rows])
    except IntegrityError as error:
        raise ActionRefused(
            f"{spec.table} rows with ids of the capture were inserted by another process while "
            f"{ctx.retirement.name} was being restored: nothing was restored. Run `retire_toggle restore "
            "--dry-run` to review."
        ) from error


def _reset_sequence(ctx: Context, model: type[Model]) -> None:
    """Move the table's id sequence past the restored ids (PostgreSQL), so new rows do not collide."""
    connection = connections[ctx.using]
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), [model]):
            cursor.execute(statement)


def uncapture(ctx: Context) -> None:
    """Restore whatever was pruned, then forget the capture (the reverse of migration 0002)."""
    # Run only by a migration, which names its own command (CaptureRetiredToggle replaces this one).
    with serialised(ctx, "manage.py migrate"):
        header = lock(ctx)
        if header is None:
            return
        if header.state == PRUNED:
            restore(ctx)
        ctx.manager(ctx.model("CapturedRow")).filter(capture_id=header.pk).delete()
        stored_plan.delete_pieces(ctx.model("Capture"), header.pk, ctx.using)
        ctx.manager(ctx.model("Capture")).filter(pk=header.pk).delete()
