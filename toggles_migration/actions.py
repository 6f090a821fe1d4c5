"""Capture, plan, verify, prune, restore and export: one code path for migration 0002 and the command."""

import json
import logging
from contextlib import contextmanager
from dataclasses import dataclass

from django.apps.registry import Apps
from django.core.management.color import no_style
from django.db import DatabaseError, IntegrityError, connections, transaction
from django.utils import timezone

from . import batching, locking, streams, tables
from .conf import read_settings
from .legacy_state import read_legacy_state
from .mapping import build_plan, compare_settings
from .retirements import Retirement, get_retirement
from .settings_shim import ShimResult, effective_backends
from .waffle_cache import clear_flag_cache_or_warn

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

    def __init__(self, message, snippet):
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

    def model(self, name):
        """Return one of our own models from the registry."""
        return self.apps.get_model("toggles_migration", name)

    def manager(self, model):
        """Return a plain manager of ``model`` on the context's database (historical models have no others)."""
        return model._base_manager.db_manager(self.using)


def make_context(apps, toggle, using="default", decision_override=None):
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


def compute_plan(ctx, captured=None):
    """
    Return the Plan for the live stored state, as the database answers upstream's lookups; writes nothing.

    ``captured`` is the decision captured earlier: the plan proposes it unless the operator decided otherwise.
    """
    state = read_legacy_state(ctx.apps, ctx.retirement.name, ctx.legacy_backends, ctx.default_provider, ctx.using)
    return build_plan(
        state,
        ctx.retirement,
        ctx.legacy_backends,
        flag_default=ctx.flag_default,
        shim_result=ctx.shim_result,
        decision_override=ctx.decision_override,
        captured=captured,
    )


def get_capture(ctx):
    """Return the Capture of the context's toggle, or None (unlocked: for reports)."""
    return ctx.manager(ctx.model("Capture")).filter(toggle=ctx.retirement.name).first()


def _lock(ctx, write=True):
    """Return the context's Capture locked until the transaction ends, or None: the actions' serialisation."""
    return locking.lock_capture(ctx.manager(ctx.model("Capture")), ctx.retirement.name, write=write)


@contextmanager
def _serialised(ctx):
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


def _clear_cache_after_commit(ctx, report):
    """Clear waffle's cache once committed; a dead cache adds a warning to ``report`` instead of failing."""

    def clear():
        warning = clear_flag_cache_or_warn(ctx.retirement.name)
        if warning:
            log.warning(warning)
            report.setdefault("warnings", []).append(warning)

    transaction.on_commit(clear, using=ctx.using)


def _captured(ctx, header, table):
    return streams.captured_rows(ctx.manager(ctx.model("CapturedRow")), header.pk, table)


def _live(ctx, spec, lock=True):
    return streams.live_rows(ctx.apps, ctx.retirement.name, ctx.using, spec, lock=lock)


def _count(ctx, spec):
    queryset = streams.toggle_rows(ctx.apps, ctx.retirement.name, ctx.using, spec)
    return 0 if queryset is None else queryset.count()


def capture(ctx, refresh=False):
    """
    Snapshot every stored row of the toggle and store the decision; atomic and idempotent.

    Returns (Capture, Plan, created). An existing capture is kept unless ``refresh`` (refused once pruned:
    the rows are gone and the capture is the only copy). Racing captures wait for each other: one captures.
    """
    with _serialised(ctx):
        header, claimed = _claim(ctx)
        if not claimed and not refresh:
            return header, json.loads(header.plan_json), False
        if not claimed:
            if header.state == PRUNED:
                raise ActionRefused(
                    f"{ctx.retirement.name} is pruned: its capture is the only copy of the rows, so it is not "
                    "refreshed. Run `retire_toggle restore` first."
                )
            ctx.manager(ctx.model("CapturedRow")).filter(capture_id=header.pk).delete()
        counts = _store_rows(ctx, header)
        # The plan asks the database about the rows just locked and copied: it holds one row per key, not them all.
        plan = compute_plan(ctx).as_dict()
        _refuse_rows_changed_while_capturing(ctx, counts)
        header.state = CAPTURED
        header.captured_at = timezone.now()
        header.pruned_at = None
        header.decision_value = plan["decision"]["value"]
        header.decision_status = plan["decision"]["status"]
        header.row_count = sum(counts.values())
        header.plan_json = json.dumps(plan, sort_keys=True)
        header.save()
    return header, plan, True


def _claim(ctx):
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


def _store_rows(ctx, header):
    """Copy the toggle's live rows into CapturedRow, locking them, in bounded batches; return counts per table."""
    row_model = ctx.model("CapturedRow")
    manager = ctx.manager(row_model)
    budget = batching.statement_budget(connections[ctx.using])
    counts = {}
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


def _captured_size(row):
    return batching.row_bytes((row.table, row.data, row.row_id, row.capture_id))


def _refuse_rows_changed_while_capturing(ctx, counts):
    """Refuse when a row was inserted after the locked copy: the plan, read later, would not match the capture."""
    for spec in tables.FLAG_TABLES:
        if _count(ctx, spec) != counts[spec.table]:
            raise ActionRefused(
                f"Rows of {ctx.retirement.name} were added to {spec.table} while it was being captured: nothing "
                "was captured by this run. Run it again."
            )


def _dumps(row):
    return json.dumps(row, sort_keys=True, separators=(",", ":"))


def verify(ctx):
    """
    Compare the effective settings with the captured decision.

    Returns (exit code, report): 0 agree, 1 disagree (the report carries the snippet), 2 nothing captured.
    """
    header = get_capture(ctx)
    if header is None:
        return 2, {"toggle": ctx.retirement.name, "state": NOT_CAPTURED, "agrees": None, "snippet": {}}
    effective, agrees, snippet = compare_settings(
        ctx.retirement, ctx.legacy_backends, ctx.shim_result, header.decision_value
    )
    report = {
        "toggle": ctx.retirement.name,
        "option": ctx.retirement.option.name,
        "state": header.state,
        "decision": {"value": header.decision_value, "status": header.decision_status},
        "effective_setting": effective,
        "agrees": agrees,
        "snippet": snippet,
    }
    return (0 if agrees else 1), report


def prune(ctx, dry_run=False, refresh=False, force=False):
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
            return {"toggle": ctx.retirement.name, "dry_run": dry_run, "deleted": {}, "note": "already pruned"}
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
        _, verified = verify(ctx)
        disagree = verified["agrees"] is False
        if dry_run:
            return {
                "toggle": ctx.retirement.name,
                "dry_run": True,
                "deleted": deleted,
                "note": "nothing deleted",
                "would_refuse": disagree and not force,
                "snippet": verified["snippet"],
            }
        if disagree and not force:
            raise SettingsDisagree(
                f"PROCTORING_BACKENDS disagrees with the decision captured for {ctx.retirement.name} "
                f"({ctx.retirement.option.name} = {header.decision_value}): after a prune nothing could show how "
                "each course behaved. Merge the snippet below into PROCTORING_BACKENDS (LMS and CMS), restart, check "
                "with `manage.py retire_toggle verify`, then prune; or prune anyway with `--force`.",
                verified["snippet"],
            )
        done = {}
        for spec in reversed(tables.FLAG_TABLES):
            if deleted.get(spec.table):
                ids = streams.captured_ids(ctx.manager(ctx.model("CapturedRow")), header.pk, spec.table)
                done[spec.table] = sum(_delete_ids(ctx, spec, batch) for batch in batching.chunks(ids, _BATCH))
        _refuse_rows_left(ctx, deleted, done)
        header.state = PRUNED
        header.pruned_at = timezone.now()
        header.save(update_fields=["state", "pruned_at"])
        note = "pruned, though the settings disagree with the decision (--force)" if disagree else "pruned"
        report = {"toggle": ctx.retirement.name, "dry_run": False, "deleted": done, "note": note, "forced": disagree}
        _clear_cache_after_commit(ctx, report)
    return report


def _compare(ctx, header):
    """
    Compare the live rows, locked, with the captured ones, a page at a time.

    Returns ({table: live row count}, {table: {"added", "changed", "removed": counts, "ids": the first ids
    of the rows added or changed}}), tables that differ only.
    """
    counts, differences = {}, {}
    for spec in tables.FLAG_TABLES:
        diff = {"added": 0, "changed": 0, "removed": 0, "ids": []}
        counts[spec.table] = 0
        for here, kept in streams.merge(_live(ctx, spec), _captured(ctx, header, spec.table)):
            counts[spec.table] += here is not None
            kind = "removed" if here is None else "added" if kept is None else "changed" if here != kept else ""
            if kind:
                diff[kind] += 1
            if kind in ("added", "changed") and len(diff["ids"]) < _SAMPLE:
                diff["ids"].append(here["id"])
        if diff["added"] or diff["changed"] or diff["removed"]:
            differences[spec.table] = diff
    return counts, differences


def _delete_ids(ctx, spec, ids):
    """Delete the toggle's rows with these ids; return how many were deleted."""
    model = tables.get_model(ctx.apps, spec)
    queryset = streams.toggle_rows(ctx.apps, ctx.retirement.name, ctx.using, spec).filter(id__in=ids)
    return queryset.delete()[1].get(model._meta.label, 0)


def _refuse_rows_left(ctx, expected, done):
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


def restore(ctx, dry_run=False):
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
        restored, unresolved, expected = {}, [], {}
        for spec in tables.FLAG_TABLES:
            present, inserted, gone = _restore_table(ctx, header, spec, budget, dry_run)
            expected[spec.table] = present + inserted
            unresolved.extend(gone)
            if inserted:
                restored[spec.table] = inserted
        report = {
            "toggle": ctx.retirement.name,
            "dry_run": dry_run,
            "restored": restored,
            "unresolved": sorted(unresolved, key=lambda item: (item["table"], item["id"])),
        }
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
        _clear_cache_after_commit(ctx, report)
    return report


def _restore_table(ctx, header, spec, budget, dry_run):
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

    def missing():
        # The rows were compared, locked, just before: a difference now is a row inserted meanwhile.
        for here, kept in streams.merge(_live(ctx, spec), captured):
            if here is None:
                yield kept
            elif kept is None or here != kept:
                raise ActionRefused(
                    f"{spec.table} rows of {ctx.retirement.name} changed while it was being restored (id "
                    f"{here['id']}): nothing was restored. Run `retire_toggle restore --dry-run` to review."
                )
            else:
                tally["present"] += 1

    inserted, unresolved = 0, []
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


def _row_size(row):
    return batching.row_bytes(row.values())


def _refuse_taken_ids(ctx, spec, model, rows):
    taken = list(ctx.manager(model).filter(id__in=[row["id"] for row in rows]).values_list("id", flat=True))
    if taken:
        raise ActionRefused(
            f"{spec.table} ids {sorted(taken)[:_SAMPLE]} of the capture now belong to other rows (another flag's): "
            f"restoring {ctx.retirement.name} would overwrite them. `retire_toggle export` shows the captured rows."
        )


def _unresolved_references(ctx, spec, rows):
    unresolved = []
    for column, app_label, model_name in spec.references:
        wanted = {row[column] for row in rows if row[column] is not None}
        if not wanted:
            continue
        model = ctx.apps.get_model(app_label, model_name)
        present = set(ctx.manager(model).filter(pk__in=sorted(wanted)).values_list("pk", flat=True))
        unresolved.extend(
            {"table": spec.table, "column": column, "id": row["id"], "missing": row[column]}
            for row in rows
            if row[column] is not None and row[column] not in present
        )
    return unresolved


def _without_unresolved(spec, rows, unresolved):
    gone = {(item["column"], item["id"]) for item in unresolved if item["table"] == spec.table}
    if not gone:
        return rows
    kept = []
    for row in rows:
        lost = [column for column, _, _ in spec.references if (column, row["id"]) in gone]
        if lost and spec.m2m_field:
            continue  # a link to a user or group that no longer exists is not invented
        kept.append({**row, **dict.fromkeys(lost)})  # an author that no longer exists becomes NULL
    return kept


def _insert_rows(ctx, spec, rows):
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


def _reset_sequence(ctx, model):
    """Move the table's id sequence past the restored ids (PostgreSQL), so new rows do not collide."""
    connection = connections[ctx.using]
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), [model]):
            cursor.execute(statement)


def export(ctx):
    """Return the captured snapshot: the decision, the plan at capture time and every row (in memory)."""
    with transaction.atomic(using=ctx.using):
        header = _exported(ctx)
        rows = {table: list(_captured(ctx, header, table)) for table in _captured_tables(ctx, header)}
        return {**_export_head(header), "rows": rows}


def export_json(ctx):
    """
    Yield the export as JSON text, a page of rows at a time, holding the capture's lock meanwhile.

    The text is byte for byte ``json.dumps(export(ctx), indent=2, sort_keys=True)``.
    """
    with transaction.atomic(using=ctx.using):
        header = _exported(ctx)
        marker = "\x00rows\x00"
        text = json.dumps({**_export_head(header), "rows": marker}, indent=2, sort_keys=True)
        before, after = text.split(json.dumps(marker))
        yield before
        names = _captured_tables(ctx, header)
        for position, table in enumerate(names):
            yield ("{\n" if position == 0 else ",\n") + f"    {json.dumps(table)}: ["
            empty = True
            for page in batching.chunks(_captured(ctx, header, table), streams.PAGE):
                yield "".join(
                    ("\n" if empty and not index else ",\n") + _indented(row, 6) for index, row in enumerate(page)
                )
                empty = False
            yield "]" if empty else "\n    ]"
        yield "\n  }" if names else "{}"
        yield after


def _indented(row, spaces):
    pad = " " * spaces
    return "\n".join(pad + line for line in json.dumps(row, indent=2, sort_keys=True).splitlines())


def _exported(ctx):
    header = _lock(ctx, write=False)
    if header is None:
        raise ActionRefused(f"{ctx.retirement.name} is not captured: there is nothing to export.")
    return header


def _export_head(header):
    return {
        "toggle": header.toggle,
        "state": header.state,
        "captured_at": header.captured_at.isoformat(),
        "pruned_at": header.pruned_at.isoformat() if header.pruned_at else None,
        "decision": {"value": header.decision_value, "status": header.decision_status},
        "row_count": header.row_count,
        "plan": json.loads(header.plan_json),
    }


def _captured_tables(ctx, header):
    return streams.captured_tables(ctx.manager(ctx.model("CapturedRow")), header.pk)


def uncapture(ctx):
    """Restore whatever was pruned, then forget the capture (the reverse of migration 0002)."""
    with _serialised(ctx):
        header = _lock(ctx)
        if header is None:
            return
        if header.state == PRUNED:
            restore(ctx)
        ctx.manager(ctx.model("CapturedRow")).filter(capture_id=header.pk).delete()
        ctx.manager(ctx.model("Capture")).filter(pk=header.pk).delete()
