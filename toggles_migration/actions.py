"""Capture, plan, verify, prune, restore, export, list and status: one code path for migration 0002 and the command."""

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.apps.registry import Apps
from django.core.management.color import no_style
from django.db import DatabaseError, IntegrityError, connections, transaction
from django.db.models import Model
from django.utils import timezone

from . import batching, locking, reads, rendering, streams, tables
from .conf import read_settings
from .legacy_state import read_legacy_state
from .mapping import Plan, Snippet, build_plan, compare_settings
from .reports import (
    CapturedDecision,
    CaptureReport,
    ChangeReport,
    Export,
    ExportHead,
    ListItem,
    ListReport,
    StatusReport,
    StatusVerify,
    Unresolved,
    VerifyReport,
)
from .retirements import Retirement, declared, get_retirement
from .settings_shim import ShimResult, effective_backends
from .tables import Row, TableSpec
from .waffle_cache import clear_flag_cache_or_warn

# The models an action reads are looked up in its apps registry, historical in a migration: they have no static
# type, so a Capture is Any here.

log = logging.getLogger(__name__)
_SAMPLE = 10
_BATCH = batching.MAX_ROWS
NOT_CAPTURED = "not captured"
# Literal values of Capture.state: historical models in migrations have no class constants.
CAPTURED, PRUNED = "captured", "pruned"


class ActionRefused(Exception):
    """An action that would lose or invent data; the message says why and what to do."""


class SettingsDisagree(ActionRefused):
    """A prune while the running settings disagree with the captured decision; ``snippet`` is the fix."""

    def __init__(self, message: str, snippet: Snippet) -> None:
        super().__init__(message)
        self.snippet = snippet


@dataclass(frozen=True)
class Context:
    """Where and with what an action runs: an apps registry (historical or live), a database, the settings."""

    apps: Apps
    using: str
    retirement: Retirement
    legacy_backends: tuple[str, ...]
    default_provider: str | None
    flag_default: bool
    shim_result: ShimResult | None
    decision_override: bool | None
    strict: bool

    def model(self, name: str) -> type[Model]:
        """Return one of our own models from the registry."""
        return self.apps.get_model("toggles_migration", name)

    def manager(self, model: type[Model]) -> Any:
        """Return a plain manager of ``model`` on the context's database (historical models have no others)."""
        return model._base_manager.db_manager(self.using)


def make_context(apps: Apps, toggle: str, using: str = "default", decision_override: bool | None = None) -> Context:
    """Build a Context from the running Django settings, read now."""
    from django.conf import settings

    config = read_settings()
    retirement = get_retirement(toggle)
    shim_result = effective_backends()
    default = shim_result.value.get("DEFAULT") if shim_result is not None else None
    if decision_override is None:
        decision_override = config.decisions.get(toggle)
    return Context(
        apps=apps,
        using=using,
        retirement=retirement,
        legacy_backends=config.legacy_backends,
        default_provider=default if isinstance(default, str) else None,
        flag_default=bool(getattr(settings, "WAFFLE_FLAG_DEFAULT", retirement.legacy_default)),
        shim_result=shim_result,
        decision_override=decision_override,
        strict=config.strict,
    )


def compute_plan(ctx: Context, captured: bool | None = None) -> Plan:
    """
    Return the Plan for the live stored state, as the database answers upstream's lookups; writes nothing.

    ``captured`` is the decision captured earlier: the plan proposes it unless the operator decided otherwise.
    """
    state = read_legacy_state(ctx.apps, ctx.retirement.name, ctx.legacy_backends, ctx.default_provider, ctx.using)
    computed: Plan = build_plan(
        state,
        ctx.retirement,
        ctx.legacy_backends,
        flag_default=ctx.flag_default,
        shim_result=ctx.shim_result,
        decision_override=ctx.decision_override,
        captured=captured,
    )
    return computed


def plan(ctx: Context) -> Plan:
    """``plan``: the Plan for the live stored state, proposing the captured decision if there is one; writes nothing."""
    header = get_capture(ctx)
    return compute_plan(ctx, captured=header.decision_value if header else None)


def list_retirements(apps: Apps, using: str = "default") -> ListReport:
    """``list``: every declared retirement and the state of its capture."""
    items = []
    for retirement in declared():
        header = get_capture(make_context(apps, retirement.name, using))
        items.append(
            ListItem(
                toggle=retirement.name,
                option=retirement.option.name,
                state=header.state if header else NOT_CAPTURED,
                captured_at=header.captured_at.isoformat() if header else None,
                row_count=header.row_count if header else None,
            )
        )
    return ListReport(retirements=tuple(items))


def status(ctx: Context) -> StatusReport:
    """``status``: the capture's state, verify's answer and the remaining reads counted across processes."""
    verified = verify(ctx)
    config = read_settings()
    return StatusReport(
        toggle=ctx.retirement.name,
        # verify read the capture's state already (NOT_CAPTURED without one): no second query.
        state=verified.state,
        verify=StatusVerify(exit_code=verified.exit_code, agrees=verified.agrees, snippet=verified.snippet),
        reads_mode=config.reads,
        tracer_installed=reads.installed(),
        reads=reads.read_counts(ctx.retirement.name, config.reads_cache),
    )


def get_capture(ctx: Context) -> Any:
    """Return the Capture of the context's toggle, or None (unlocked: for reports)."""
    return ctx.manager(ctx.model("Capture")).filter(toggle=ctx.retirement.name).first()


def _lock(ctx: Context, write: bool = True) -> Any:
    """Return the context's Capture locked until the transaction ends, or None: the actions' serialisation."""
    return locking.lock_capture(ctx.manager(ctx.model("Capture")), ctx.retirement.name, write=write)


@contextmanager
def _serialised(ctx: Context) -> Iterator[None]:
    """One transaction for one action; the loser of a race, or an oversized statement, becomes a refusal."""
    try:
        with transaction.atomic(using=ctx.using):
            yield
    except DatabaseError as error:
        reason = locking.busy_reason(error)
        if reason is not None:
            raise ActionRefused(
                f"Another process was changing {ctx.retirement.name} at the same time ({reason}): nothing was "
                "changed by this run. Run it again once the other retire_toggle action or migration has finished."
            ) from error
        if batching.packet_too_large(error):
            raise ActionRefused(
                f"A statement for {ctx.retirement.name} exceeded the database's max_allowed_packet: nothing was "
                "changed. Raise max_allowed_packet (MariaDB/MySQL server setting) above the largest stored row."
            ) from error
        raise


def _clear_cache_after_commit(ctx: Context, warnings: list[str]) -> None:
    """Clear waffle's cache once committed; a dead cache adds a warning to ``warnings`` instead of failing."""

    def clear() -> None:
        warning = clear_flag_cache_or_warn(ctx.retirement.name)
        if warning:
            log.warning(warning)
            warnings.append(warning)

    transaction.on_commit(clear, using=ctx.using)


def _captured(ctx: Context, header: Any, table: str) -> Iterator[Row]:
    rows: Iterator[Row] = streams.captured_rows(ctx.manager(ctx.model("CapturedRow")), header.pk, table)
    return rows


def _live(ctx: Context, spec: TableSpec, lock: bool = True) -> Iterator[Row]:
    rows: Iterator[Row] = streams.live_rows(ctx.apps, ctx.retirement.name, ctx.using, spec, lock=lock)
    return rows


def _count(ctx: Context, spec: TableSpec) -> int:
    queryset = streams.toggle_rows(ctx.apps, ctx.retirement.name, ctx.using, spec)
    return 0 if queryset is None else int(queryset.count())


def capture(ctx: Context, refresh: bool = False) -> CaptureReport:
    """
    Snapshot every stored row of the toggle and store the decision; atomic and idempotent.

    Returns the Plan this run computed and stored; an existing capture is kept (the report has no plan: `export`
    shows the stored one) unless ``refresh`` (refused once pruned: the rows are gone and the capture is the only
    copy). Racing captures wait for each other: one captures.
    """
    with _serialised(ctx):
        header, claimed = _claim(ctx)
        if not claimed and not refresh:
            return CaptureReport(toggle=ctx.retirement.name, plan=None)
        if not claimed:
            if header.state == PRUNED:
                raise ActionRefused(
                    f"{ctx.retirement.name} is pruned: its capture is the only copy of the rows, so it is not "
                    "refreshed. Run `retire_toggle restore` first."
                )
            ctx.manager(ctx.model("CapturedRow")).filter(capture_id=header.pk).delete()
        counts = _store_rows(ctx, header)
        # The plan asks the database about the rows just locked and copied: it holds one row per key, not them all.
        computed = compute_plan(ctx)
        _refuse_rows_changed_while_capturing(ctx, counts)
        header.state = CAPTURED
        header.captured_at = timezone.now()
        header.pruned_at = None
        header.decision_value = computed.decision.value
        header.decision_status = computed.decision.status
        header.row_count = sum(counts.values())
        header.plan_json = rendering.plan_json(computed)
        header.save()
    return CaptureReport(toggle=ctx.retirement.name, plan=computed)


def _claim(ctx: Context) -> tuple[Any, bool]:
    """
    Return (the locked Capture, False), or (a new, empty one, True) when there is none yet.

    Before the first capture there is no row to lock: the new row's unique toggle is the lock. A second
    capture inserting it waits for the first to commit, fails on the constraint, then locks the first's row.
    """
    header = _lock(ctx)
    if header is not None:
        return header, False
    try:
        with transaction.atomic(using=ctx.using):
            header = ctx.manager(ctx.model("Capture")).create(
                toggle=ctx.retirement.name,
                state=CAPTURED,
                captured_at=timezone.now(),
                decision_value=False,
                decision_status="",
                row_count=0,
                plan_json="{}",
            )
    except IntegrityError:
        return _lock(ctx), False
    return header, True


def _store_rows(ctx: Context, header: Any) -> dict[str, int]:
    """Copy the toggle's live rows into CapturedRow, locking them, in bounded batches; return counts per table."""
    row_model = ctx.model("CapturedRow")
    manager = ctx.manager(row_model)
    budget = batching.statement_budget(connections[ctx.using])
    counts: dict[str, int] = {}
    for spec in tables.FLAG_TABLES:
        objects = (
            row_model(capture_id=header.pk, table=spec.table, row_id=row["id"], data=_dumps(row))
            for row in _live(ctx, spec)
        )
        counts[spec.table] = 0
        for batch in batching.bounded(objects, _captured_size, budget):
            manager.bulk_create(batch)
            counts[spec.table] += len(batch)
    return counts


def _captured_size(row: Any) -> int:
    return batching.row_bytes((row.table, row.data, row.row_id, row.capture_id))


def _refuse_rows_changed_while_capturing(ctx: Context, counts: dict[str, int]) -> None:
    """Refuse when a row was inserted after the locked copy: the plan, read later, would not match the capture."""
    for spec in tables.FLAG_TABLES:
        if _count(ctx, spec) != counts[spec.table]:
            raise ActionRefused(
                f"Rows of {ctx.retirement.name} were added to {spec.table} while it was being captured: nothing "
                "was captured by this run. Run it again."
            )


def _dumps(row: Row) -> str:
    return json.dumps(row, sort_keys=True, separators=(",", ":"))


def verify(ctx: Context) -> VerifyReport:
    """
    Compare the effective settings with the captured decision.

    The report's exit code: 0 agree, 1 disagree (the report carries the snippet), 2 nothing captured.
    """
    header = get_capture(ctx)
    if header is None:
        return VerifyReport(toggle=ctx.retirement.name, state=NOT_CAPTURED, agrees=None, snippet={})
    effective, agrees, snippet = compare_settings(
        ctx.retirement, ctx.legacy_backends, ctx.shim_result, header.decision_value
    )
    return VerifyReport(
        toggle=ctx.retirement.name,
        option=ctx.retirement.option.name,
        state=header.state,
        decision=CapturedDecision(value=header.decision_value, status=header.decision_status),
        effective_setting=effective,
        agrees=bool(agrees),
        snippet=snippet,
    )


def prune(ctx: Context, dry_run: bool = False, refresh: bool = False, force: bool = False) -> ChangeReport:
    """
    Delete the toggle's stored rows, only when captured and still equal to the capture; then clear the cache.

    The rows are locked, compared with the capture and deleted in one transaction; a row of the toggle
    inserted meanwhile makes it refuse. While the running settings disagree with the captured decision it
    refuses too (SettingsDisagree), unless ``force``. Returns a report of what this run deleted (or, with
    ``dry_run``, would delete, and whether the real run would refuse).
    """
    with _serialised(ctx):
        if refresh and not dry_run:
            capture(ctx, refresh=True)
        header = _lock(ctx)
        if header is None:
            raise ActionRefused(
                f"{ctx.retirement.name} is not captured, so pruning would lose its rows. Run `manage.py migrate "
                "toggles_migration` or `retire_toggle prune --refresh` to capture first."
            )
        if header.state == PRUNED:
            return ChangeReport(toggle=ctx.retirement.name, dry_run=dry_run, deleted={}, note="already pruned")
        live_counts, differences = _compare(ctx, header)
        if differences and not (refresh and dry_run):
            summary = "; ".join(
                f"{table}: {diff['added']} added, {diff['changed']} changed, {diff['removed']} removed"
                for table, diff in differences.items()
            )
            raise ActionRefused(
                f"The stored rows of {ctx.retirement.name} changed since they were captured ({summary}). "
                "Run `retire_toggle plan` to review, then `retire_toggle prune --refresh` to capture them again."
            )
        deleted = {table: count for table, count in live_counts.items() if count}
        verified = verify(ctx)
        disagree = verified.agrees is False
        if dry_run:
            return ChangeReport(
                toggle=ctx.retirement.name,
                dry_run=True,
                deleted=deleted,
                note="nothing deleted",
                would_refuse=disagree and not force,
                snippet=verified.snippet,
            )
        if disagree and not force:
            raise SettingsDisagree(
                f"PROCTORING_BACKENDS disagrees with the decision captured for {ctx.retirement.name} "
                f"({ctx.retirement.option.name} = {header.decision_value}): after a prune nothing could show how "
                "each course behaved. Merge the snippet below into PROCTORING_BACKENDS (LMS and CMS), restart, check "
                "with `manage.py retire_toggle verify`, then prune; or prune anyway with `--force`.",
                verified.snippet,
            )
        done: dict[str, int] = {}
        for spec in reversed(tables.FLAG_TABLES):
            if deleted.get(spec.table):
                ids = streams.captured_ids(ctx.manager(ctx.model("CapturedRow")), header.pk, spec.table)
                done[spec.table] = sum(_delete_ids(ctx, spec, batch) for batch in batching.chunks(ids, _BATCH))
        _refuse_rows_left(ctx, deleted, done)
        header.state = PRUNED
        header.pruned_at = timezone.now()
        header.save(update_fields=["state", "pruned_at"])
        note = "pruned, though the settings disagree with the decision (--force)" if disagree else "pruned"
        report = ChangeReport(toggle=ctx.retirement.name, dry_run=False, deleted=done, note=note, forced=disagree)
        _clear_cache_after_commit(ctx, report.warnings)
    return report


def _compare(ctx: Context, header: Any) -> tuple[dict[str, int], dict[str, dict[str, Any]]]:
    """
    Compare the live rows, locked, with the captured ones, a page at a time.

    Returns ({table: live row count}, {table: {"added", "changed", "removed": counts, "ids": the first ids
    of the rows added or changed}}), tables that differ only.
    """
    counts: dict[str, int] = {}
    differences: dict[str, dict[str, Any]] = {}
    for spec in tables.FLAG_TABLES:
        diff: dict[str, Any] = {"added": 0, "changed": 0, "removed": 0, "ids": []}
        counts[spec.table] = 0
        for here, kept in streams.merge(_live(ctx, spec), _captured(ctx, header, spec.table)):
            counts[spec.table] += int(here is not None)
            kind = "removed" if here is None else "added" if kept is None else "changed" if here != kept else ""
            if kind:
                diff[kind] += 1
            if here is not None and kind in ("added", "changed") and len(diff["ids"]) < _SAMPLE:
                diff["ids"].append(here["id"])
        if diff["added"] or diff["changed"] or diff["removed"]:
            differences[spec.table] = diff
    return counts, differences


def _delete_ids(ctx: Context, spec: TableSpec, ids: list[int]) -> int:
    """Delete the toggle's rows with these ids; return how many were deleted."""
    model = tables.get_model(ctx.apps, spec)
    queryset = streams.toggle_rows(ctx.apps, ctx.retirement.name, ctx.using, spec)
    if model is None or queryset is None:
        return 0  # the table is not installed: it has no rows to delete
    return queryset.filter(id__in=ids).delete()[1].get(model._meta.label, 0)


def _refuse_rows_left(ctx: Context, expected: dict[str, int], done: dict[str, int]) -> None:
    """After deleting: any row of the toggle still there was inserted meanwhile, and would survive silently."""
    for spec in tables.FLAG_TABLES:
        queryset = streams.toggle_rows(ctx.apps, ctx.retirement.name, ctx.using, spec)
        if queryset is None:
            continue
        left = list(queryset.select_for_update().order_by("id").values_list("id", flat=True)[:_SAMPLE])
        if left or done.get(spec.table, 0) != expected.get(spec.table, 0):
            raise ActionRefused(
                f"{spec.table} rows of {ctx.retirement.name} changed while it was being pruned (ids {left}): "
                "nothing was deleted. Run `retire_toggle plan` to review, then `retire_toggle prune --refresh`."
            )


def restore(ctx: Context, dry_run: bool = False) -> ChangeReport:
    """
    Recreate exactly the captured rows that are missing (same ids, values and dates), then clear the cache.

    Links and authors pointing at users or groups that no longer exist are reported, never invented: such a
    link is left out, such an author is restored as NULL. The capture is marked captured only once every
    table holds exactly what this run expects.
    """
    with _serialised(ctx):
        header = _lock(ctx)
        if header is None:
            raise ActionRefused(f"{ctx.retirement.name} is not captured: there is nothing to restore.")
        _, differences = _compare(ctx, header)
        for table, diff in differences.items():
            if diff["added"] or diff["changed"]:
                raise ActionRefused(
                    f"{table} holds rows of {ctx.retirement.name} that are not in the capture or differ from it "
                    f"(ids {diff['ids']}): restoring would overwrite them. Delete or review them first; "
                    "`retire_toggle export` shows the captured rows."
                )
        budget = batching.statement_budget(connections[ctx.using])
        restored: dict[str, int] = {}
        unresolved: list[Unresolved] = []
        expected: dict[str, int] = {}
        for spec in tables.FLAG_TABLES:
            present, inserted, gone = _restore_table(ctx, header, spec, budget, dry_run)
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
            if _count(ctx, spec) != expected[spec.table]:
                raise ActionRefused(
                    f"{spec.table} rows of {ctx.retirement.name} changed while it was being restored: nothing was "
                    "restored. Run `retire_toggle restore --dry-run` to review, then run it again."
                )
        header.state = CAPTURED
        header.pruned_at = None
        header.save(update_fields=["state", "pruned_at"])
        _clear_cache_after_commit(ctx, report.warnings)
    return report


def _restore_table(
    ctx: Context, header: Any, spec: TableSpec, budget: int, dry_run: bool
) -> tuple[int, int, list[Unresolved]]:
    """Insert the captured rows of one table that are missing; return (rows present, rows inserted, unresolved)."""
    model = tables.get_model(ctx.apps, spec)
    captured = _captured(ctx, header, spec.table)
    if model is None:
        if next(captured, None) is not None:
            raise ActionRefused(
                f"The capture of {ctx.retirement.name} holds {spec.table} rows, but that table is not installed "
                "here: run restore where the app that owns it is installed."
            )
        return 0, 0, []
    tally = {"present": 0}

    def missing() -> Iterator[Row]:
        # The rows were compared, locked, just before: a difference now is a row inserted meanwhile.
        for here, kept in streams.merge(_live(ctx, spec), captured):
            if here is None and kept is not None:
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
            _insert_rows(ctx, spec, rows)
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
            f"{spec.table} ids {sorted(taken)[:_SAMPLE]} of the capture now belong to other rows (another flag's): "
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


def _insert_rows(ctx: Context, spec: TableSpec, rows: list[Row]) -> None:
    """Insert one bounded batch of rows verbatim; raw SQL, because ORM inserts would reset auto_now_add dates."""
    connection = connections[ctx.using]
    quote = connection.ops.quote_name
    columns = spec.column_names
    sql = (
        f"INSERT INTO {quote(spec.table)} ({', '.join(quote(name) for name in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    try:
        with connection.cursor() as cursor:
            cursor.executemany(sql, [tables.db_values(connection, spec, row) for row in rows])
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


def export(ctx: Context) -> Export:
    """Return the captured snapshot: the decision, the plan at capture time and every row (in memory)."""
    with transaction.atomic(using=ctx.using):
        header = _exported(ctx)
        rows = {table: list(_captured(ctx, header, table)) for table in _captured_tables(ctx, header)}
        return Export(**vars(_export_head(header)), rows=rows)


def export_json(ctx: Context) -> Iterator[str]:
    """
    Yield the export as JSON text, a page of rows at a time, holding the capture's lock meanwhile.

    The text is byte for byte ``rendering.json_data(export(ctx))`` dumped with ``indent=2, sort_keys=True``.
    """
    with transaction.atomic(using=ctx.using):
        header = _exported(ctx)
        pages = (
            (table, batching.chunks(_captured(ctx, header, table), streams.PAGE))
            for table in _captured_tables(ctx, header)
        )
        yield from rendering.export_json(_export_head(header), pages)


def _exported(ctx: Context) -> Any:
    header = _lock(ctx, write=False)
    if header is None:
        raise ActionRefused(f"{ctx.retirement.name} is not captured: there is nothing to export.")
    return header


def _export_head(header: Any) -> ExportHead:
    return ExportHead(
        toggle=header.toggle,
        state=header.state,
        captured_at=header.captured_at.isoformat(),
        pruned_at=header.pruned_at.isoformat() if header.pruned_at else None,
        decision=CapturedDecision(value=header.decision_value, status=header.decision_status),
        row_count=header.row_count,
        plan=json.loads(header.plan_json),
    )


def _captured_tables(ctx: Context, header: Any) -> list[str]:
    names: list[str] = streams.captured_tables(ctx.manager(ctx.model("CapturedRow")), header.pk)
    return names


def uncapture(ctx: Context) -> None:
    """Restore whatever was pruned, then forget the capture (the reverse of migration 0002)."""
    with _serialised(ctx):
        header = _lock(ctx)
        if header is None:
            return
        if header.state == PRUNED:
            restore(ctx)
        ctx.manager(ctx.model("CapturedRow")).filter(capture_id=header.pk).delete()
        ctx.manager(ctx.model("Capture")).filter(pk=header.pk).delete()
