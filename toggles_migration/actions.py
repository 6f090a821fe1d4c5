"""Capture, plan, verify, prune, restore and export: one code path for migration 0002 and the command."""

import json
from dataclasses import dataclass

from django.core.management.color import no_style
from django.db import IntegrityError, connections, transaction
from django.utils import timezone

from . import tables
from .conf import read_settings
from .legacy_state import StoredRows, read_legacy_state, read_rows
from .mapping import build_plan, compare_settings
from .retirements import get_retirement
from .settings_shim import effective_backends
from .waffle_cache import clear_flag_cache

_BATCH = 1000
NOT_CAPTURED = "not captured"
# Literal values of Capture.state: historical models in migrations have no class constants.
CAPTURED, PRUNED = "captured", "pruned"


class ActionRefused(Exception):
    """An action that would lose or invent data; the message says why and what to do."""


@dataclass(frozen=True)
class Context:
    """Where and with what an action runs: an apps registry (historical or live), a database, the settings."""

    apps: object
    using: str
    retirement: object
    legacy_backends: tuple
    default_provider: object
    flag_default: bool
    shim_result: object
    decision_override: object
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
        flag_default=bool(getattr(settings, "WAFFLE_FLAG_DEFAULT", False)),
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
    """Return the Capture of the context's toggle, or None."""
    return ctx.manager(ctx.model("Capture")).filter(toggle=ctx.retirement.name).first()


def captured_rows(ctx, capture):
    """Return the captured rows as StoredRows (one query)."""
    rows = {}
    queryset = (
        ctx.manager(ctx.model("CapturedRow"))
        .filter(capture_id=capture.pk)
        .order_by("table", "row_id")
        .values_list("table", "data")
    )
    for table, data in queryset.iterator(chunk_size=_BATCH):
        rows.setdefault(table, []).append(json.loads(data))
    return StoredRows(toggle=capture.toggle, rows={table: tuple(items) for table, items in rows.items()})


def capture(ctx, refresh=False):
    """
    Snapshot every stored row of the toggle and store the decision; atomic and idempotent.

    Returns (Capture, Plan, created). An existing capture is kept unless ``refresh`` (refused once pruned:
    the rows are gone and the capture is the only copy). Two processes racing produce one capture.
    """
    capture_model = ctx.model("Capture")
    with transaction.atomic(using=ctx.using):
        existing = get_capture(ctx)
        if existing is not None and not refresh:
            return existing, json.loads(existing.plan_json), False
        if existing is not None:
            if existing.state == PRUNED:
                raise ActionRefused(
                    f"{ctx.retirement.name} is pruned: its capture is the only copy of the rows, so it is not "
                    "refreshed. Run `retire_toggle restore` first."
                )
            existing.delete()
        stored = read_rows(ctx.apps, ctx.retirement.name, ctx.using)
        plan = compute_plan(ctx).as_dict()
        try:
            with transaction.atomic(using=ctx.using):
                header = ctx.manager(capture_model).create(
                    toggle=ctx.retirement.name,
                    state=CAPTURED,
                    captured_at=timezone.now(),
                    decision_value=plan["decision"]["value"],
                    decision_status=plan["decision"]["status"],
                    row_count=stored.count,
                    plan_json=json.dumps(plan, sort_keys=True),
                )
        except IntegrityError:
            # Another process captured first, between our read and our insert: keep its capture.
            winner = get_capture(ctx)
            return winner, json.loads(winner.plan_json), False
        _store_rows(ctx, header, stored)
    return header, plan, True


def _store_rows(ctx, header, stored):
    row_model = ctx.model("CapturedRow")
    manager = ctx.manager(row_model)
    batch = []
    for table, rows in stored.rows.items():
        for row in rows:
            batch.append(row_model(capture_id=header.pk, table=table, row_id=row["id"], data=_dumps(row)))
            if len(batch) >= _BATCH:
                manager.bulk_create(batch)
                batch = []
    if batch:
        manager.bulk_create(batch)


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


def _differences(live, captured):
    """Describe per table how the live rows differ from the captured ones; empty when identical."""
    found = {}
    for table in sorted(set(live.rows) | set(captured.rows)):
        live_rows = {row["id"]: row for row in live.rows.get(table, ())}
        kept_rows = {row["id"]: row for row in captured.rows.get(table, ())}
        added = sorted(set(live_rows) - set(kept_rows))
        removed = sorted(set(kept_rows) - set(live_rows))
        changed = sorted(key for key in set(live_rows) & set(kept_rows) if live_rows[key] != kept_rows[key])
        if added or removed or changed:
            found[table] = {"added": added, "removed": removed, "changed": changed}
    return found


def prune(ctx, dry_run=False, refresh=False):
    """
    Delete the toggle's stored rows, only when captured and still equal to the capture; then clear the cache.

    Returns a report of what was (or, with ``dry_run``, would be) deleted.
    """
    with transaction.atomic(using=ctx.using):
        if refresh and not dry_run:
            capture(ctx, refresh=True)
        header = get_capture(ctx)
        if header is None:
            raise ActionRefused(
                f"{ctx.retirement.name} is not captured, so pruning would lose its rows. Run `manage.py migrate "
                "toggles_migration` or `retire_toggle prune --refresh` to capture first."
            )
        if header.state == PRUNED:
            return {"toggle": ctx.retirement.name, "dry_run": dry_run, "deleted": {}, "note": "already pruned"}
        live = read_rows(ctx.apps, ctx.retirement.name, ctx.using)
        differences = _differences(live, captured_rows(ctx, header))
        if differences and not (refresh and dry_run):
            summary = "; ".join(
                f"{table}: {len(diff['added'])} added, {len(diff['changed'])} changed, {len(diff['removed'])} removed"
                for table, diff in differences.items()
            )
            raise ActionRefused(
                f"The stored rows of {ctx.retirement.name} changed since they were captured ({summary}). "
                "Run `retire_toggle plan` to review, then `retire_toggle prune --refresh` to capture them again."
            )
        deleted = {table: len(rows) for table, rows in live.rows.items() if rows}
        if dry_run:
            return {"toggle": ctx.retirement.name, "dry_run": True, "deleted": deleted, "note": "nothing deleted"}
        for spec in reversed(tables.FLAG_TABLES):
            ids = [row["id"] for row in live.of(spec)]
            if ids:
                _delete_ids(ctx, spec, ids)
        header.state = PRUNED
        header.pruned_at = timezone.now()
        header.save(update_fields=["state", "pruned_at"])
        transaction.on_commit(lambda: clear_flag_cache(ctx.retirement.name), using=ctx.using)
    return {"toggle": ctx.retirement.name, "dry_run": False, "deleted": deleted, "note": "pruned"}


def _delete_ids(ctx, spec, ids):
    manager = ctx.manager(tables.get_model(ctx.apps, spec))
    for batch in _batches(ids):
        manager.filter(id__in=batch).delete()


def _batches(items):
    """Yield consecutive slices of at most _BATCH items: bounded statements on every database."""
    for start in range(0, len(items), _BATCH):
        yield items[start : start + _BATCH]


def restore(ctx, dry_run=False):
    """
    Recreate exactly the captured rows that are missing (same ids, values and dates), then clear the cache.

    Links and authors pointing at users or groups that no longer exist are reported, never invented: such a
    link is left out, such an author is restored as NULL.
    """
    with transaction.atomic(using=ctx.using):
        header = get_capture(ctx)
        if header is None:
            raise ActionRefused(f"{ctx.retirement.name} is not captured: there is nothing to restore.")
        captured = captured_rows(ctx, header)
        differences = _differences(read_rows(ctx.apps, ctx.retirement.name, ctx.using), captured)
        missing = {}
        for spec in tables.FLAG_TABLES:
            removed = set(differences.get(spec.table, {}).get("removed", ()))
            missing[spec.table] = [row for row in captured.of(spec) if row["id"] in removed]
        _refuse_conflicts(ctx, differences, missing)
        unresolved = _unresolved_references(ctx, missing)
        inserts = {spec: _without_unresolved(spec, missing[spec.table], unresolved) for spec in tables.FLAG_TABLES}
        report = {
            "toggle": ctx.retirement.name,
            "dry_run": dry_run,
            "restored": {spec.table: len(rows) for spec, rows in inserts.items() if rows},
            "unresolved": unresolved,
        }
        if dry_run:
            return report
        for spec, rows in inserts.items():
            if rows:
                _insert_rows(ctx, spec, rows)
        header.state = CAPTURED
        header.pruned_at = None
        header.save(update_fields=["state", "pruned_at"])
        transaction.on_commit(lambda: clear_flag_cache(ctx.retirement.name), using=ctx.using)
    return report


def _refuse_conflicts(ctx, differences, missing):
    for table, diff in differences.items():
        if diff["changed"] or diff["added"]:
            raise ActionRefused(
                f"{table} holds rows of {ctx.retirement.name} that are not in the capture or differ from it "
                f"(ids {(diff['changed'] + diff['added'])[:10]}): restoring would overwrite them. Delete or "
                "review them first; `retire_toggle export` shows the captured rows."
            )
    for spec in tables.FLAG_TABLES:
        model = tables.get_model(ctx.apps, spec)
        if model is None:
            continue
        wanted = [row["id"] for row in missing[spec.table]]
        taken = []
        for batch in _batches(wanted):
            taken.extend(ctx.manager(model).filter(id__in=batch).values_list("id", flat=True))
        if taken:
            raise ActionRefused(
                f"{spec.table} ids {sorted(taken)[:10]} of the capture now belong to other rows (another flag's): "
                f"restoring {ctx.retirement.name} would overwrite them. `retire_toggle export` shows the captured rows."
            )


def _unresolved_references(ctx, missing):
    unresolved = []
    for spec in tables.FLAG_TABLES:
        for column, app_label, model_name in spec.references:
            wanted = {row[column] for row in missing[spec.table] if row[column] is not None}
            if not wanted:
                continue
            model = ctx.apps.get_model(app_label, model_name)
            present = set(ctx.manager(model).filter(pk__in=sorted(wanted)).values_list("pk", flat=True))
            unresolved.extend(
                {"table": spec.table, "column": column, "id": row["id"], "missing": row[column]}
                for row in missing[spec.table]
                if row[column] is not None and row[column] not in present
            )
    return sorted(unresolved, key=lambda item: (item["table"], item["id"]))


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
    """Insert rows verbatim in batches; raw SQL, because ORM inserts would reset auto_now_add dates."""
    connection = connections[ctx.using]
    quote = connection.ops.quote_name
    columns = spec.column_names
    sql = (
        f"INSERT INTO {quote(spec.table)} ({', '.join(quote(name) for name in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    with connection.cursor() as cursor:
        for batch in _batches(rows):
            cursor.executemany(sql, [tables.db_values(connection, spec, row) for row in batch])
    model = tables.get_model(ctx.apps, spec)
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), [model]):
            cursor.execute(statement)


def export(ctx):
    """Return the captured snapshot: the decision, the plan at capture time and every row."""
    header = get_capture(ctx)
    if header is None:
        raise ActionRefused(f"{ctx.retirement.name} is not captured: there is nothing to export.")
    return {
        "toggle": header.toggle,
        "state": header.state,
        "captured_at": header.captured_at.isoformat(),
        "pruned_at": header.pruned_at.isoformat() if header.pruned_at else None,
        "decision": {"value": header.decision_value, "status": header.decision_status},
        "row_count": header.row_count,
        "plan": json.loads(header.plan_json),
        "rows": {table: list(rows) for table, rows in sorted(captured_rows(ctx, header).rows.items())},
    }


def uncapture(ctx):
    """Restore whatever was pruned, then forget the capture (the reverse of migration 0002)."""
    with transaction.atomic(using=ctx.using):
        header = get_capture(ctx)
        if header is None:
            return
        if header.state == PRUNED:
            restore(ctx)
        ctx.manager(ctx.model("Capture")).filter(pk=header.pk).delete()
