"""Render every report (reports.py, and mapping's Plan) as text for operators or as stable JSON for scripts."""

import json
import re
import shlex
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import fields, is_dataclass
from datetime import UTC, datetime
from typing import Any

from .backend_loading import BackendState, NotLoaded
from .mapping import EffectiveSetting, Plan, Snippet
from .notices import Notice
from .reports import (
    ALREADY_CAPTURED,
    JSON,
    CaptureReport,
    ChangeReport,
    ExportHead,
    ListReport,
    NoticeReport,
    PlanReport,
    SettingsReport,
    StatusReport,
    VerifyReport,
)
from .retirements import get_retirement

FORMATS = ("text", "json")
# The Tutor plugin's config key for the per-backend options, and the setting in which its settings patch
# records what that key holds (tutor/tutortoggles_migration/patches/openedx-common-settings).
TUTOR_KEY = "TOGGLES_MIGRATION_BACKEND_OPTIONS"
TUTOR_SETTING = "TOGGLES_MIGRATION_TUTOR_BACKEND_OPTIONS"


Report = SettingsReport | ListReport | Plan | PlanReport | CaptureReport | VerifyReport | ChangeReport | StatusReport


def render(report: Report, fmt: str) -> str:
    """Render ``report`` as sorted, indented JSON, or as text for an operator."""
    if fmt == "json":
        return json.dumps(_json_form(report), indent=2, sort_keys=True)
    return text(report)


def text(report: Report) -> str:
    """Text form of any report."""
    renderer: Callable[[Any], str] = _TEXT_RENDERERS[type(report)]
    return renderer(report)


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


def json_data(value: object) -> Any:
    """
    Return ``value`` (a report, a Plan, or what they hold) as JSON-ready data: a dataclass becomes a dict of its fields.

    A field's metadata (reports.NOT_IN_JSON...) leaves it out, always, when None, or when empty.
    """
    if isinstance(value, Plan):
        return _plan_data(value)
    if is_dataclass(value) and not isinstance(value, type):
        data = {}
        for item in fields(value):
            member = getattr(value, item.name)
            rule = item.metadata.get(JSON)
            if rule == "omit" or (rule == "omit-none" and member is None) or (rule == "omit-empty" and not member):
                continue
            data[item.name] = json_data(member)
        return data
    if isinstance(value, dict):
        return {key: json_data(member) for key, member in value.items()}
    if isinstance(value, list | tuple):
        return [json_data(member) for member in value]
    return value


def _plan_data(plan: Plan) -> dict[str, Any]:
    """Return a Plan's JSON: its fields, each companion check under its own key (``escalation_email``...)."""
    data = {item.name: json_data(getattr(plan, item.name)) for item in fields(plan) if item.name != "companions"}
    for check in plan.companions:
        data[check.plan_key] = {"decision": check.decision, "missing": check.missing}
    return data


def plan_json(plan: Plan) -> str:
    """Return the Plan as the compact, deterministic JSON a capture stores (``Capture.plan_json``)."""
    return json.dumps(json_data(plan), sort_keys=True)


def export_json(head: ExportHead, tables: Iterable[tuple[str, Iterable[Sequence[dict[str, Any]]]]]) -> Iterator[str]:
    """
    Yield the export as JSON text: ``head``, then each table's rows a page at a time, as they are read.

    ``tables`` is (table, its pages of rows) per table. The text is byte for byte the whole export dumped with
    ``json.dumps(..., indent=2, sort_keys=True)``, without holding more than a page.
    """
    marker = "\x00rows\x00"
    whole = json.dumps({**json_data(head), "rows": marker}, indent=2, sort_keys=True)
    before, after = whole.split(json.dumps(marker))
    yield before
    any_table = False
    for table, pages in tables:
        yield ("{\n" if not any_table else ",\n") + f"    {json.dumps(table)}: ["
        any_table = True
        empty = True
        for page in pages:
            yield "".join(
                ("\n" if empty and not index else ",\n") + _indented(row, 6) for index, row in enumerate(page)
            )
            empty = False
        yield "]" if empty else "\n    ]"
    yield "\n  }" if any_table else "{}"
    yield after


def _indented(row: dict[str, Any], spaces: int) -> str:
    pad = " " * spaces
    return "\n".join(pad + line for line in json.dumps(row, indent=2, sort_keys=True).splitlines())


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


def backend_not_loaded_check(item: NotLoaded) -> tuple[str, str]:
    """Return (message, hint) of W006: a backend in use that edx-proctoring has not loaded."""
    counts = item.courses
    sentences = [
        f"The proctoring backend {item.name!r} is not loaded by edx-proctoring: proctored exams on it fail when "
        "learners start them."
    ]
    used = [f"{courses.get(item.name, 0)} on database {alias!r}" for alias, courses in counts.counted.items()]
    if used:
        sentences.append(f"Proctored courses using it: {', '.join(used)}.")
    sentences.extend(f"Courses using it: not counted. {why}" for why in counts.uncounted.values())
    if not used and not counts.uncounted:
        sentences.append("Courses using it: not counted (`manage.py check --database default` counts them).")
    if item.named_by:
        sentences.append(f"Named by {' and '.join(item.named_by)}.")
    sentences.append(f"Why: {item.state.reason}.")
    return " ".join(sentences), fix(f"{item.state.fix}.")


def notices_text(notices: Sequence[NoticeReport]) -> list[str]:
    """Text lines for a list of notice reports, or none when there are none."""
    if not notices:
        return []
    lines = ["", "Notices:"]
    for notice in notices:
        lines.append(f"  {notice.id} ({notice.level}): {notice.message}")
        lines.append(f"    {fix(notice.hint)}")
    return lines


def fix(hint: str) -> str:
    """Return a notice's hint as the settings report and the system checks show it."""
    return f"Fix: {hint}"


def notices_pointer(notices: Sequence[Notice]) -> str:
    """Return the one line the command writes when the settings have notices, instead of repeating them."""
    ids = ", ".join(sorted({notice.check_id.rsplit(".", 1)[1] for notice in notices}))
    return (
        f"Note: PROCTORING_BACKENDS has {len(notices)} notices ({ids}); "
        "`manage.py retire_toggle settings` or `manage.py check` shows them."
    )


def notice_check(notice: Notice) -> tuple[str, str]:
    """Return (message, hint) of the system check message of a settings notice."""
    return notice.message, fix(notice.hint)


def capture_disagreement_check(report: VerifyReport, alias: str) -> tuple[str, str]:
    """Return (message, hint) of W005: the settings disagree with a decision captured in database ``alias``."""
    value = report.decision.value if report.decision is not None else None
    return (
        f"PROCTORING_BACKENDS disagrees with the decision captured for {report.toggle} in database {alias!r} "
        f"({report.option} = {value}).",
        fix(
            f"merge {report.snippet!r} into PROCTORING_BACKENDS; `manage.py retire_toggle verify` shows the comparison."
        ),
    )


# A YAML plain scalar that stays the same string: a letter or underscore, then letters, digits, _ . -; and
# none of the words YAML 1.1 or 1.2 reads as a boolean or null (yes, on, y, null, ~...).
_PLAIN_YAML_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
_YAML_WORDS = frozenset({"y", "yes", "n", "no", "true", "false", "on", "off", "null"})


def quoted(name: str) -> str:
    """
    Return ``name`` as a double-quoted ASCII literal that Python and YAML both read back as the same string.

    Only escapes the two languages share: backslash, double quote, and x, u and U followed by hex digits.
    """
    parts = ['"']
    for char in name:
        code = ord(char)
        if char in '"\\':
            parts.append("\\" + char)
        elif 0x20 <= code < 0x7F:
            parts.append(char)
        elif code <= 0xFF:
            parts.append(f"\\x{code:02x}")
        elif code <= 0xFFFF:
            parts.append(f"\\u{code:04x}")
        else:
            parts.append(f"\\U{code:08x}")
    parts.append('"')
    return "".join(parts)


def yaml_key(name: str) -> str:
    """Return ``name`` as a YAML mapping key that reads back as the same string, quoting it when needed."""
    if _PLAIN_YAML_KEY.fullmatch(name) and name.lower() not in _YAML_WORDS:
        return name
    return quoted(name)


def snippet_lines(snippet: Snippet | None) -> list[str]:
    """Return the snippet as lines to merge into each backend's entry, in Python and in YAML."""
    if not snippet:
        return []
    lines = ["Merge into PROCTORING_BACKENDS (Python settings):"]
    for backend, options in snippet.items():
        pairs = ", ".join(f"{quoted(name)}: {value}" for name, value in options.items())
        lines.append(f"    {quoted(backend)}: {{..., {pairs}}},")
    lines.append("or in YAML (LMS and CMS config; Tutor: a patch of your plugin):")
    lines.append("    PROCTORING_BACKENDS:")
    for backend, options in snippet.items():
        lines.append(f"      {yaml_key(backend)}:")
        lines.extend(f"        {yaml_key(name)}: {str(value).lower()}" for name, value in options.items())
    lines.append("or with Tutor's toggles-migration plugin (--set replaces the key; this value keeps what it holds):")
    lines.append(f"    {tutor_line(snippet)}")
    return lines


def tutor_line(snippet: Snippet) -> str:
    """Return the ``tutor config save --set`` line that sets the snippet's options, keeping the key's other ones."""
    from django.conf import settings

    held = getattr(settings, TUTOR_SETTING, None) if settings.configured else None
    held = held if isinstance(held, dict) else {}
    value = {
        backend: dict(options)
        for backend, options in held.items()
        if isinstance(backend, str) and isinstance(options, dict)
    }
    for backend, options in snippet.items():
        value.setdefault(backend, {}).update(options)
    return "tutor config save --set " + shlex.quote(f"{TUTOR_KEY}={json.dumps(value, sort_keys=True)}")


def effective_lines(effective_setting: EffectiveSetting) -> list[str]:
    """Return one line per legacy backend: each managed option's effective value and its source."""
    return [
        "  {}: {}".format(backend, ", ".join(f"{name}={item.value} ({item.source})" for name, item in options.items()))
        for backend, options in effective_setting.items()
    ]


def plan_text(plan: Plan) -> str:
    """Text form of a Plan."""
    decision = plan.decision
    known = plan.known_courses
    lines = [
        f"Retired toggle:   {plan.toggle} -> PROCTORING_BACKENDS[<backend>][{plan.option!r}]",
        f"Legacy backends:  {', '.join(plan.backends) or '(none)'}",
        f"Global flag:      {plan.global_value}"
        + (f" (only for: {', '.join(plan.global_conditions)})" if plan.global_conditions else ""),
        "Known courses:    "
        + (
            "unknown (course_overviews not installed)"
            if known is None
            else f"{known} ({plan.legacy_values['true']} saw True, {plan.legacy_values['false']} saw False)"
        ),
        f"Decision:         {plan.option} = {decision.value}  [{decision.status}, from {decision.source}]",
        f"                  {decision.reason}",
    ]
    if plan.exceptions:
        lines.append(f"Exceptions ({len(plan.exceptions)}): cannot keep their legacy value")
        lines.extend(f"  {item.scope:<6} {item.key}  legacy {item.legacy_value}" for item in plan.exceptions)
    if plan.invalid_rows:
        lines.append(f"Invalid rows ({len(plan.invalid_rows)}): reported, never evaluated")
        lines.extend(f"  {item.table} #{item.id}: {item.reason}" for item in plan.invalid_rows)
    headings = {companion.plan_key: companion.missing_heading for companion in get_retirement(plan.toggle).companions}
    for check in plan.companions:
        if check.missing:
            lines.append(headings[check.plan_key].format(count=len(check.missing)))
            lines.extend(f"  {course_id}" for course_id in check.missing)
    lines.extend(consequence_lines(plan))
    lines.append("Effective settings:")
    lines.extend(effective_lines(plan.effective_setting))
    lines.append("Settings agree with the decision." if plan.agrees else "Settings DISAGREE with the decision.")
    lines.extend(snippet_lines(plan.snippet))
    return "\n".join(lines)


def consequence_lines(plan: Plan) -> list[str]:
    """Tell what happens to the known courses if the operator does nothing, and with the decided value."""
    current, decided = plan.consequences.current_settings, plan.consequences.decision
    option = plan.option
    if current.changed is None or current.courses is None:
        return ["If you do nothing: unknown (course_overviews not installed); the exceptions above are the overrides."]
    values = ", ".join(f"{backend}: {option}={value}" for backend, value in current.values.items())
    lines = [
        f"If you do nothing ({values or 'no known course'}): {current.changed} of {plan.known_courses} "
        "known courses change behaviour" + (":" if current.courses else ".")
    ]
    lines.extend(f"  {course_id}" for course_id in current.courses)
    lines.append(
        f"With the decision ({option}={decided.value}): {decided.changed} change behaviour"
        + (" (the exceptions above)." if decided.changed else ".")
    )
    return lines


def migration_summary(plan: Plan) -> str:
    """Return the short summary that migration 0002 (and ``capture``) prints."""
    decision = plan.decision
    lines = [
        "",
        f"  toggles_migration: captured {plan.toggle}: decision {plan.option} = {decision.value} "
        f"({decision.status}; {len(plan.exceptions)} exceptions).",
        f"  {decision.reason}",
    ]
    if not plan.agrees:
        lines.append("  The effective settings disagree with it.")
    lines.extend(f"  {line}" for line in snippet_lines(plan.snippet))
    lines.append("  Review with: manage.py retire_toggle plan; check with: manage.py retire_toggle verify")
    return "\n".join(lines) + "\n"


def strict_failure(plan: Plan) -> str:
    """Return the error of a STRICT migration whose settings disagree with the decision."""
    return "\n".join(
        [
            f"TOGGLES_MIGRATION['STRICT'] is on and PROCTORING_BACKENDS disagrees with the decision for "
            f"{plan.toggle} ({plan.option} = {plan.decision.value}).",
            *snippet_lines(plan.snippet),
            "Then run migrate again, or set TOGGLES_MIGRATION['DECISIONS'] to choose another value.",
        ]
    )


def refusal(message: str, snippet: Snippet) -> str:
    """Return a prune's refusal while the settings disagree: the reason, then the snippet that fixes them."""
    return "\n".join([message, *snippet_lines(snippet)])


def verify_text(report: VerifyReport) -> str:
    """Text form of ``verify``."""
    if report.decision is None or report.effective_setting is None:
        lines = [f"{report.toggle}: not captured. Run `manage.py migrate toggles_migration` first."]
    else:
        lines = [f"{report.toggle} ({report.state}): decision {report.option} = {report.decision.value}"]
        lines.extend(effective_lines(report.effective_setting))
        lines.append("OK: the effective settings agree." if report.agrees else "DISAGREE: the settings differ.")
        lines.extend(snippet_lines(report.snippet))
    lines.append(f"Next: {report.next}")
    return "\n".join(lines)


def verify_failure(report: VerifyReport) -> str:
    """Return the error with which ``verify`` exits non-zero: nothing captured, or the settings disagree."""
    if report.agrees is None:
        return f"{report.toggle} is not captured."
    return "PROCTORING_BACKENDS disagrees with the captured decision."


def change_text(report: ChangeReport) -> str:
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
        lines.extend(snippet_lines(report.snippet))
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


def status_text(report: StatusReport) -> str:
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
    lines.extend(snippet_lines(verify.snippet))
    return "\n".join(lines)


def plan_report_text(report: PlanReport) -> str:
    """Text form of ``plan``: the Plan, then whether edx-proctoring loaded its backends."""
    return "\n".join([plan_text(report.plan), *backend_loading_lines(report.backend_loading)])


def capture_text(report: CaptureReport) -> str:
    """Text form of ``capture``: what migration 0002 prints, or that the existing capture was kept."""
    return migration_summary(report.plan) if report.plan is not None else f"{report.toggle}: {ALREADY_CAPTURED}"


_TEXT_RENDERERS: dict[type[Any], Callable[[Any], str]] = {
    SettingsReport: settings_text,
    ListReport: list_text,
    Plan: plan_text,
    PlanReport: plan_report_text,
    CaptureReport: capture_text,
    VerifyReport: verify_text,
    ChangeReport: change_text,
    StatusReport: status_text,
}
