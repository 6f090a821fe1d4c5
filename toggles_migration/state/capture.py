"""Capture a retired toggle's stored rows and decision, and read the capture back: plan, verify, list."""

import json
from dataclasses import dataclass, field
from typing import Any

from django.apps.registry import Apps
from django.db import IntegrityError, connections, transaction
from django.db.models import Model
from django.utils import timezone

from ..plan import (
    NOT_IN_JSON,
    OMITTED_WHEN_NONE,
    EffectiveSetting,
    Plan,
    Snippet,
    build_plan,
    compare_settings,
    json_data,
)
from ..retirements import declared
from . import batching, stored_plan, tables
from .context import (
    CAPTURED,
    COMMAND,
    FIX_SETTINGS,
    NOT_CAPTURED,
    PRUNED,
    ActionRefused,
    CapturedDecision,
    Context,
    count_rows,
    get_capture,
    live_rows,
    lock,
    make_context,
    retry_command,
    serialised,
)
from .tables import Row
from .upstream_lookups import read_legacy_state


@dataclass(frozen=True)
class CaptureReport:
    """``capture``: the Plan this run computed and stored, or None when it kept the existing capture."""

    toggle: str
    plan: Plan | None

    @property
    def created(self) -> bool:
        """Whether this run captured (rather than kept an earlier capture)."""
        return self.plan is not None


@dataclass(frozen=True)
class VerifyReport:  # pylint: disable=too-many-instance-attributes
    """``verify``: the effective settings compared with the captured decision; ``exit_code`` is the command's."""

    toggle: str
    state: str
    # True agree, False disagree, None nothing captured.
    agrees: bool | None
    snippet: Snippet
    option: str | None = field(default=None, metadata=OMITTED_WHEN_NONE)
    decision: CapturedDecision | None = field(default=None, metadata=OMITTED_WHEN_NONE)
    effective_setting: EffectiveSetting | None = field(default=None, metadata=OMITTED_WHEN_NONE)
    exit_code: int = field(init=False, metadata=NOT_IN_JSON)
    next: str = field(init=False)

    def __post_init__(self) -> None:
        # 0 agree, 1 disagree, 2 nothing captured: the codes scripts test.
        object.__setattr__(self, "exit_code", {True: 0, False: 1, None: 2}[self.agrees])
        object.__setattr__(self, "next", next_after_verify(self.agrees))


@dataclass(frozen=True)
class ListItem:
    """One declared retirement and the state of its capture."""

    toggle: str
    option: str
    state: str
    captured_at: str | None
    row_count: int | None


@dataclass(frozen=True)
class ListReport:
    """``list``: every declared retirement."""

    retirements: tuple[ListItem, ...]


def next_after_verify(agrees: bool | None) -> str:
    """Return the one command an operator runs after verify answered ``agrees``."""
    if agrees is None:
        return "manage.py migrate toggles_migration"
    return f"{COMMAND} prune --dry-run" if agrees else FIX_SETTINGS


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


def capture(ctx: Context, refresh: bool = False) -> CaptureReport:
    """
    Snapshot every stored row of the toggle and store the decision; atomic and idempotent.

    Returns the Plan this run computed and stored; an existing capture is kept (the report has no plan: `export`
    shows the stored one) unless ``refresh`` (refused once pruned: the rows are gone and the capture is the only
    copy). Racing captures wait for each other: one captures.
    """
    with serialised(ctx, retry_command(ctx, "capture", "--refresh" if refresh else "")):
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
        stored_plan.store(header, json_data(computed), ctx.using)
        header.save()
    return CaptureReport(toggle=ctx.retirement.name, plan=computed)


def _claim(ctx: Context) -> tuple[Any, bool]:
    """
    Return (the locked Capture, False), or (a new, empty one, True) when there is none yet.

    Before the first capture there is no row to lock: the new row's unique toggle is the lock. A second
    capture inserting it waits for the first to commit, fails on the constraint, then locks the first's row.
    """
    header = lock(ctx)
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
                plan_json="{}" if stored_plan.text_form(ctx.model("Capture"), "plan_json") else {},
            )
    except IntegrityError:
        return lock(ctx), False
    return header, True


def _store_rows(ctx: Context, header: Any) -> dict[str, int]:
    """Copy the toggle's live rows into CapturedRow, locking them, in bounded batches; return counts per table."""
    row_model = ctx.model("CapturedRow")
    manager = ctx.manager(row_model)
    budget = batching.statement_budget(connections[ctx.using])
    text = stored_plan.text_form(row_model, "data")
    counts: dict[str, int] = {}
    for spec in tables.FLAG_TABLES:
        sized = (_captured(row_model, header.pk, spec.table, row, text) for row in live_rows(ctx, spec))
        counts[spec.table] = 0
        for batch in batching.bounded(sized, _second, budget):
            manager.bulk_create([row for row, _ in batch])
            counts[spec.table] += len(batch)
    return counts


def _captured(row_model: type[Model], capture_id: int, table: str, row: Row, text: bool) -> tuple[Model, int]:
    """Return the CapturedRow of ``row`` and the bytes it takes in a statement (its JSON as the field writes it)."""
    encoded = json.dumps(row, sort_keys=True, separators=(",", ":")) if text else json.dumps(row)
    captured = row_model(capture_id=capture_id, table=table, row_id=row["id"], data=encoded if text else row)
    return captured, batching.row_bytes((table, encoded, row["id"], capture_id))


def _second(pair: tuple[Model, int]) -> int:
    return pair[1]


def _refuse_rows_changed_while_capturing(ctx: Context, counts: dict[str, int]) -> None:
    """Refuse when a row was inserted after the locked copy: the plan, read later, would not match the capture."""
    for spec in tables.FLAG_TABLES:
        if count_rows(ctx, spec) != counts[spec.table]:
            raise ActionRefused(
                f"Rows of {ctx.retirement.name} were added to {spec.table} while it was being captured: nothing "
                "was captured by this run. Run it again."
            )


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
