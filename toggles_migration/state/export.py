"""Read a capture back: its header, the plan as stored when captured, and every captured row, whole or streamed."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from . import batching, stored_plan, streams
from .context import ActionRefused, CapturedDecision, Context, captured_rows, lock, retry_command, serialised


@dataclass(frozen=True)
class ExportHead:
    """``export`` without its rows: the capture's header, and the plan as it was stored when captured."""

    toggle: str
    state: str
    captured_at: str
    pruned_at: str | None
    decision: CapturedDecision
    row_count: int
    # The stored JSON as written by the version that captured it: data, not a Plan of this version. Streamed
    # (exported_pages), each of its lists is an iterator of pages of items.
    plan: dict[str, Any]


@dataclass(frozen=True)
class Export(ExportHead):
    """The whole captured snapshot in memory: the head and every row per table (``export_json`` streams it)."""

    rows: dict[str, list[dict[str, Any]]]


def export(ctx: Context) -> Export:
    """Return the captured snapshot: the decision, the plan at capture time and every row (in memory)."""
    with serialised(ctx, retry_command(ctx, "export")):
        header = _exported(ctx)
        rows = {table: list(captured_rows(ctx, header, table)) for table in _captured_tables(ctx, header)}
        plan = stored_plan.whole(_pieces(ctx), header)
        return Export(**vars(_export_head(header, plan)), rows=rows)


@contextmanager
def exported_pages(ctx: Context) -> Iterator[tuple[ExportHead, Iterator[tuple[str, Iterator[list[Any]]]]]]:
    """
    Hold the capture's lock while the caller reads the head and each table's rows, a page at a time.

    The head's plan has each list as an iterator of pages too. The caller renders them
    (``management.rendering.export_json``) as they are read: memory holds one page.
    """
    with serialised(ctx, retry_command(ctx, "export")):
        header = _exported(ctx)
        pages = (
            (table, batching.chunks(captured_rows(ctx, header, table), streams.PAGE))
            for table in _captured_tables(ctx, header)
        )
        yield _export_head(header, stored_plan.streamed(_pieces(ctx), header)), pages


def _exported(ctx: Context) -> Any:
    header = lock(ctx, write=False)
    if header is None:
        raise ActionRefused(f"{ctx.retirement.name} is not captured: there is nothing to export.")
    return header


def _export_head(header: Any, plan: dict[str, Any]) -> ExportHead:
    return ExportHead(
        toggle=header.toggle,
        state=header.state,
        captured_at=header.captured_at.isoformat(),
        pruned_at=header.pruned_at.isoformat() if header.pruned_at else None,
        decision=CapturedDecision(value=header.decision_value, status=header.decision_status),
        row_count=header.row_count,
        plan=plan,
    )


def _captured_tables(ctx: Context, header: Any) -> list[str]:
    names: list[str] = streams.captured_tables(ctx.manager(ctx.model("CapturedRow")), header.pk)
    return names


def _pieces(ctx: Context) -> Any:
    return ctx.manager(ctx.model("PlanPiece"))
