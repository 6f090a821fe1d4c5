"""Delete a captured toggle's stored rows, only while they still equal the capture; reversible by restore."""

from typing import Any

from django.utils import timezone

from . import batching, streams, tables
from .capture import capture, verify
from .context import (
    PRUNED,
    SAMPLE,
    ActionRefused,
    ChangeReport,
    Context,
    PacketCheck,
    SettingsDisagree,
    captured_rows,
    clear_cache_after_commit,
    live_rows,
    lock,
    retry_command,
    serialised,
)
from .tables import TableSpec

_BATCH = batching.MAX_ROWS


def prune(ctx: Context, dry_run: bool = False, refresh: bool = False, force: bool = False) -> ChangeReport:
    """
    Delete the toggle's stored rows, only when captured and still equal to the capture; then clear the cache.

    The rows are locked, compared with the capture and deleted in one transaction; a row of the toggle
    inserted meanwhile makes it refuse. While the running settings disagree with the captured decision it
    refuses too (SettingsDisagree), unless ``force``. Returns a report of what this run deleted (or, with
    ``dry_run``, would delete, and whether the real run would refuse).
    """
    flags = ("--dry-run" if dry_run else "", "--refresh" if refresh else "", "--force" if force else "")
    retry = retry_command(ctx, "prune", *flags)
    with serialised(ctx, retry) as packet:
        if refresh and not dry_run:
            capture(ctx, refresh=True)
        header = lock(ctx)
        if header is None:
            raise ActionRefused(
                f"{ctx.retirement.name} is not captured, so pruning would lose its rows. Run `manage.py migrate "
                "toggles_migration` or `retire_toggle prune --refresh` to capture first."
            )
        if header.state == PRUNED:
            return ChangeReport(toggle=ctx.retirement.name, dry_run=dry_run, deleted={}, note="already pruned")
        live_counts, differences = compare(ctx, header, restorable=(packet, retry))
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
        clear_cache_after_commit(ctx, report.warnings)
    return report


def compare(
    ctx: Context, header: Any, restorable: tuple[int | None, str] = (None, "")
) -> tuple[dict[str, int], dict[str, dict[str, Any]]]:
    """
    Compare the live rows, locked, with the captured ones, a page at a time.

    Returns ({table: live row count}, {table: {"added", "changed", "removed": counts, "ids": the first ids
    of the rows added or changed}}), tables that differ only. ``restorable``: (the server's max_allowed_packet,
    the command to run again); refuses when a captured row could not be restored in a packet of that size.
    """
    counts: dict[str, int] = {}
    differences: dict[str, dict[str, Any]] = {}
    packet, retry = restorable
    for spec in tables.FLAG_TABLES:
        diff: dict[str, Any] = {"added": 0, "changed": 0, "removed": 0, "ids": []}
        counts[spec.table] = 0
        model = tables.get_model(ctx.apps, spec)
        captured = captured_rows(ctx, header, spec.table)
        if model is not None:  # compared as the table holds them now (a column added since holds its default)
            captured = (tables.table_row(model, row) for row in captured)
        check = PacketCheck(ctx, spec, packet)
        for here, kept in streams.merge(live_rows(ctx, spec), captured):
            if kept is not None:
                check.fits(kept)
            counts[spec.table] += int(here is not None)
            kind = "removed" if here is None else "added" if kept is None else "changed" if here != kept else ""
            if kind:
                diff[kind] += 1
            if here is not None and kind in ("added", "changed") and len(diff["ids"]) < SAMPLE:
                diff["ids"].append(here["id"])
        if diff["added"] or diff["changed"] or diff["removed"]:
            differences[spec.table] = diff
        check.refuse("once pruned, restore could not put them back.", retry)
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
        left = list(queryset.select_for_update().order_by("id").values_list("id", flat=True)[:SAMPLE])
        if left or done.get(spec.table, 0) != expected.get(spec.table, 0):
            raise ActionRefused(
                f"{spec.table} rows of {ctx.retirement.name} changed while it was being pruned (ids {left}): "
                "nothing was deleted. Run `retire_toggle plan` to review, then `retire_toggle prune --refresh`."
            )
