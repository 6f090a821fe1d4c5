"""Render every report, and the Plan, as text for operators or as stable JSON for scripts; reads no settings."""

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from ..checks.backend_loading import BackendState
from ..checks.notices import Notice, fix
from ..plan import Plan, json_data
from ..state.capture import CaptureReport, ListReport, VerifyReport
from ..state.context import ChangeReport
from ..state.export import ExportHead
from .plan_text import NO_TUTOR, TutorOptions, effective_lines, migration_summary, plan_text, snippet_lines
from .reports import NoticeReport, PlanReport, SettingsReport, StatusReport

FORMATS = ("text", "json")
ALREADY_CAPTURED = "already captured; --refresh captures again"


Report = SettingsReport | ListReport | Plan | PlanReport | CaptureReport | VerifyReport | ChangeReport | StatusReport


def render(report: Report, fmt: str, tutor: TutorOptions = NO_TUTOR) -> str:
    """Render ``report`` as sorted, indented JSON, or as text for an operator (``tutor``: what Tutor's key holds)."""
    if fmt == "json":
        return json.dumps(_json_form(report), indent=2, sort_keys=True)
    return text(report, tutor)


def text(report: Report, tutor: TutorOptions = NO_TUTOR) -> str:
    """Text form of any report."""
    renderer: Callable[[Any, TutorOptions], str] = _TEXT_RENDERERS[type(report)]
    return renderer(report, tutor)


def _json_form(report: Report) -> Any:
    if isinstance(report, CaptureReport):
        # A kept capture is not described again: `export` shows it.
        return (
            json_data(report.plan) if report.plan is not None else {"toggle": report.toggle, "note": ALREADY_CAPTURED}
        )
    if isinstance(report, PlanReport):
        # The Plan's own keys, as a capture stores them, and what edx-proctoring loaded now, which it does not.
        return {**json_data(report.plan), "backend_loading": json_data(report.backend_loading)}
    return json_data(report)


def export_json(head: ExportHead, tables: Iterable[tuple[str, Iterable[Sequence[dict[str, Any]]]]]) -> Iterator[str]:
    """
    Yield the export as JSON text: ``head``, its plan's lists and each table's rows a page at a time, as read.

    ``tables`` is (table, its pages of rows) per table; in ``head.plan`` an iterator is a list given a page at a time.
    The text is byte for byte the whole export dumped with ``json.dumps(..., indent=2, sort_keys=True)``, without
    holding more than a page.
    """
    rows = {table: iter(pages) for table, pages in tables}
    yield from _streamed_json({**json_data(head), "rows": rows}, 0)


def _streamed_json(value: Any, level: int) -> Iterator[str]:
    """Yield ``value`` as json.dumps(indent=2, sort_keys=True) writes it ``level`` deep; an iterator is a paged list."""
    pad = "  " * level
    if isinstance(value, dict) and value:
        for index, key in enumerate(sorted(value)):
            yield f"{'{' if index == 0 else ','}\n{pad}  {json.dumps(key)}: "
            yield from _streamed_json(value[key], level + 1)
        yield f"\n{pad}}}"
    elif isinstance(value, Iterator):
        empty = True
        for page in value:
            if page:
                yield "".join(
                    f"{'[' if empty and not index else ','}\n{pad}  " + _dumped(item, level + 1)
                    for index, item in enumerate(page)
                )
                empty = False
        yield "[]" if empty else f"\n{pad}]"
    else:
        yield _dumped(value, level)


def _dumped(value: Any, level: int) -> str:
    return json.dumps(value, indent=2, sort_keys=True).replace("\n", "\n" + "  " * level)


def settings_text(report: SettingsReport) -> str:
    """Text form of ``settings``."""
    if not report.configured:
        return "PROCTORING_BACKENDS is not set: nothing to normalise."
    lines = [f"PROCTORING_BACKENDS (DEFAULT: {report.default!r})"]
    for backend, options in report.backends.items():
        lines.append(f"  {backend}")
        for option, effective in sorted(options.items()):
            lines.append(f"    {option:<27} {effective.value!s:<6} {effective.source}")
    lines.append("")
    lines.extend(backend_loading_lines(report.backend_loading))
    lines.extend(notices_text(report.notices))
    return "\n".join(lines)


def backend_loading_lines(states: dict[str, BackendState] | None) -> list[str]:
    """Return one line per backend saying whether edx-proctoring loaded it, with why not and the fix."""
    if states is None:
        return ["Loaded by edx-proctoring: not checked (edx-proctoring is not an installed app here)."]
    lines = ["Loaded by edx-proctoring:" if states else "Loaded by edx-proctoring: no backend to check."]
    for name, state in states.items():
        if state.loaded:
            lines.append(f"  {name}: loaded")
        else:
            lines.extend([f"  {name}: NOT LOADED: {state.reason}.", f"    {fix(state.fix)}."])
    return lines


def plan_report_text(report: PlanReport, tutor: TutorOptions = NO_TUTOR) -> str:
    """Text form of ``plan``: the Plan, then whether edx-proctoring loaded its backends."""
    return "\n".join([plan_text(report.plan, tutor), *backend_loading_lines(report.backend_loading)])


def notices_text(notices: Sequence[NoticeReport]) -> list[str]:
    """Text lines for a list of notice reports, or none when there are none."""
    if not notices:
        return []
    lines = ["", "Notices:"]
    for notice in notices:
        lines.append(f"  {notice.id} ({notice.level}): {notice.message}")
        lines.append(f"    {fix(notice.hint)}")
    return lines


def notices_pointer(notices: Sequence[Notice]) -> str:
    """Return the one line the command writes when the settings have notices, instead of repeating them."""
    ids = ", ".join(sorted({notice.check_id.rsplit(".", 1)[1] for notice in notices}))
    return (
        f"Note: PROCTORING_BACKENDS has {len(notices)} notices ({ids}); "
        "`manage.py retire_toggle settings` or `manage.py check` shows them."
    )


def verify_text(report: VerifyReport, tutor: TutorOptions = NO_TUTOR) -> str:
    """Text form of ``verify``."""
    if report.decision is None or report.effective_setting is None:
        lines = [f"{report.toggle}: not captured. Run `manage.py migrate toggles_migration` first."]
    else:
        lines = [f"{report.toggle} ({report.state}): decision {report.option} = {report.decision.value}"]
        lines.extend(effective_lines(report.effective_setting))
        lines.append("OK: the effective settings agree." if report.agrees else "DISAGREE: the settings differ.")
        lines.extend(snippet_lines(report.snippet, tutor))
    lines.append(f"Next: {report.next}")
    return "\n".join(lines)


def verify_failure(report: VerifyReport) -> str:
    """Return the error with which ``verify`` exits non-zero: nothing captured, or the settings disagree."""
    if report.agrees is None:
        return f"{report.toggle} is not captured."
    return "PROCTORING_BACKENDS disagrees with the captured decision."


def change_text(report: ChangeReport, tutor: TutorOptions = NO_TUTOR) -> str:
    """Text form of ``prune`` or ``restore``."""
    pruning = report.action == "prune"
    verb = "delete" if pruning else "restore"
    verb = f"would {verb}" if report.dry_run else f"{verb}d"
    counts = report.counts
    lines = [f"{report.toggle}: {verb} {sum(counts.values())} rows"]
    lines.extend(f"  {table}: {count}" for table, count in sorted(counts.items()))
    for item in report.unresolved or ():
        lines.append(
            f"  not restored as it was: {item.table} #{item.id}: {item.column} {item.missing} no longer exists"
        )
    if report.note:
        lines.append(f"  ({report.note})")
    if report.would_refuse:
        lines.append("The real run would refuse: PROCTORING_BACKENDS disagrees with the captured decision.")
        lines.extend(snippet_lines(report.snippet, tutor))
        lines.append("(prune --force prunes anyway.)")
    elif report.dry_run and pruning:
        lines.append("The real run would prune: the settings agree with the captured decision.")
    lines.append(f"Next: {report.next}")
    return "\n".join(lines)


def change_warnings(report: ChangeReport) -> list[str]:
    """Return the warnings of a committed change (waffle's cache left uncleared), one line each."""
    return [f"Warning: {warning}" for warning in report.warnings]


def list_text(report: ListReport) -> str:
    """Text form of ``list``."""
    return "\n".join(
        f"{item.toggle:<30} {item.state:<13} -> {item.option}"
        + (f"  (captured {item.captured_at}, {item.row_count} rows)" if item.captured_at else "")
        for item in report.retirements
    )


def status_text(report: StatusReport, tutor: TutorOptions = NO_TUTOR) -> str:
    """Text form of ``status``."""
    verify = report.verify
    agreement = {0: "settings agree", 1: "settings DISAGREE", 2: "nothing captured"}[verify.exit_code]
    lines = [
        f"{report.toggle}: {report.state}; verify: {agreement}",
        f"Reads mode: {report.reads_mode}; tracer {'installed' if report.tracer_installed else 'NOT installed'}",
    ]
    counted = report.reads
    if counted is None:
        lines.append("Remaining reads: unknown (the cache is unavailable)")
        return "\n".join(lines)
    lines.append(
        f"Remaining reads: {counted['reads']} ({counted['mismatches']} where the legacy answer differs from "
        "the new setting's)"
    )
    if counted["first_seen"] is not None and counted["last_seen"] is not None:
        first = datetime.fromtimestamp(counted["first_seen"], UTC).isoformat(timespec="seconds")
        last = datetime.fromtimestamp(counted["last_seen"], UTC).isoformat(timespec="seconds")
        lines.append(f"  first seen {first}, last seen {last}")
    for site in counted["call_sites"]:
        lines.append(f"  {site['reads']:>8} reads, {site['mismatches']:>6} mismatches  {site['call_site']}")
    lines.extend(snippet_lines(verify.snippet, tutor))
    return "\n".join(lines)


def capture_text(report: CaptureReport, tutor: TutorOptions = NO_TUTOR) -> str:
    """Text form of ``capture``: what migration 0002 prints, or that the existing capture was kept."""
    return migration_summary(report.plan, tutor) if report.plan is not None else f"{report.toggle}: {ALREADY_CAPTURED}"


_TEXT_RENDERERS: dict[type[Any], Callable[[Any, TutorOptions], str]] = {
    SettingsReport: lambda report, _tutor: settings_text(report),
    ListReport: lambda report, _tutor: list_text(report),
    Plan: plan_text,
    PlanReport: plan_report_text,
    CaptureReport: capture_text,
    VerifyReport: verify_text,
    ChangeReport: change_text,
    StatusReport: status_text,
}
