"""Render command reports as text for operators or as stable JSON for scripts."""

import json
import re
import shlex
from datetime import UTC, datetime

from .retirements import get_retirement

FORMATS = ("text", "json")
# The Tutor plugin's config key for the per-backend options, and the setting in which its settings patch
# records what that key holds (tutor/tutortoggles_migration/patches/openedx-common-settings).
TUTOR_KEY = "TOGGLES_MIGRATION_BACKEND_OPTIONS"
TUTOR_SETTING = "TOGGLES_MIGRATION_TUTOR_BACKEND_OPTIONS"


def render(report, fmt, text_renderer):
    """Render ``report`` as sorted, indented JSON, or as text with ``text_renderer``."""
    if fmt == "json":
        return json.dumps(report, indent=2, sort_keys=True)
    return text_renderer(report)


def settings_text(report):
    """Text form of ``reports.settings_report``."""
    if not report["configured"]:
        return "PROCTORING_BACKENDS is not set: nothing to normalise."
    lines = [f"PROCTORING_BACKENDS (DEFAULT: {report['default']!r})"]
    for backend, options in report["backends"].items():
        lines.append(f"  {backend}")
        for option, effective in sorted(options.items()):
            lines.append(f"    {option:<27} {effective['value']!s:<6} {effective['source']}")
    lines.extend(notices_text(report["notices"]))
    return "\n".join(lines)


def notices_text(notices):
    """Text lines for a list of notice reports, or none when there are none."""
    if not notices:
        return []
    lines = ["", "Notices:"]
    for notice in notices:
        lines.append(f"  {notice['id']} ({notice['level']}): {notice['message']}")
        lines.append(f"    Fix: {notice['hint']}")
    return lines


# A YAML plain scalar that stays the same string: a letter or underscore, then letters, digits, _ . -; and
# none of the words YAML 1.1 or 1.2 reads as a boolean or null (yes, on, y, null, ~...).
_PLAIN_YAML_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
_YAML_WORDS = frozenset({"y", "yes", "n", "no", "true", "false", "on", "off", "null"})


def quoted(name):
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


def yaml_key(name):
    """Return ``name`` as a YAML mapping key that reads back as the same string, quoting it when needed."""
    if _PLAIN_YAML_KEY.fullmatch(name) and name.lower() not in _YAML_WORDS:
        return name
    return quoted(name)


def snippet_lines(snippet):
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


def tutor_line(snippet):
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


def effective_lines(effective_setting):
    """Return one line per legacy backend: each managed option's effective value and its source."""
    return [
        "  {}: {}".format(
            backend, ", ".join(f"{name}={item['value']} ({item['source']})" for name, item in options.items())
        )
        for backend, options in effective_setting.items()
    ]


def plan_text(plan):
    """Text form of a Plan dict."""
    decision = plan["decision"]
    known = plan["known_courses"]
    lines = [
        f"Retired toggle:   {plan['toggle']} -> PROCTORING_BACKENDS[<backend>][{plan['option']!r}]",
        f"Legacy backends:  {', '.join(plan['backends']) or '(none)'}",
        f"Global flag:      {plan['global_value']}"
        + (f" (only for: {', '.join(plan['global_conditions'])})" if plan["global_conditions"] else ""),
        "Known courses:    "
        + (
            "unknown (course_overviews not installed)"
            if known is None
            else f"{known} ({plan['legacy_values']['true']} saw True, {plan['legacy_values']['false']} saw False)"
        ),
        f"Decision:         {plan['option']} = {decision['value']}  [{decision['status']}, from {decision['source']}]",
        f"                  {decision['reason']}",
    ]
    if plan["exceptions"]:
        lines.append(f"Exceptions ({len(plan['exceptions'])}): cannot keep their legacy value")
        lines.extend(
            f"  {item['scope']:<6} {item['key']}  legacy {item['legacy_value']}" for item in plan["exceptions"]
        )
    if plan["invalid_rows"]:
        lines.append(f"Invalid rows ({len(plan['invalid_rows'])}): reported, never evaluated")
        lines.extend(f"  {item['table']} #{item['id']}: {item['reason']}" for item in plan["invalid_rows"])
    for companion in get_retirement(plan["toggle"]).companions:
        missing = plan[companion.plan_key]["missing"]
        if missing:
            lines.append(companion.missing_heading.format(count=len(missing)))
            lines.extend(f"  {course_id}" for course_id in missing)
    lines.extend(consequence_lines(plan))
    lines.append("Effective settings:")
    lines.extend(effective_lines(plan["effective_setting"]))
    lines.append("Settings agree with the decision." if plan["agrees"] else "Settings DISAGREE with the decision.")
    lines.extend(snippet_lines(plan["snippet"]))
    return "\n".join(lines)


def consequence_lines(plan):
    """Tell what happens to the known courses if the operator does nothing, and with the decided value."""
    current, decided = plan["consequences"]["current_settings"], plan["consequences"]["decision"]
    option = plan["option"]
    if current["changed"] is None:
        return ["If you do nothing: unknown (course_overviews not installed); the exceptions above are the overrides."]
    values = ", ".join(f"{backend}: {option}={value}" for backend, value in current["values"].items())
    lines = [
        f"If you do nothing ({values or 'no known course'}): {current['changed']} of {plan['known_courses']} "
        "known courses change behaviour" + (":" if current["courses"] else ".")
    ]
    lines.extend(f"  {course_id}" for course_id in current["courses"])
    lines.append(
        f"With the decision ({option}={decided['value']}): {decided['changed']} change behaviour"
        + (" (the exceptions above)." if decided["changed"] else ".")
    )
    return lines


def migration_summary(plan):
    """Return the short summary that migration 0002 prints."""
    decision = plan["decision"]
    lines = [
        "",
        f"  toggles_migration: captured {plan['toggle']}: decision {plan['option']} = {decision['value']} "
        f"({decision['status']}; {len(plan['exceptions'])} exceptions).",
        f"  {decision['reason']}",
    ]
    if not plan["agrees"]:
        lines.append("  The effective settings disagree with it.")
    lines.extend(f"  {line}" for line in snippet_lines(plan["snippet"]))
    lines.append("  Review with: manage.py retire_toggle plan; check with: manage.py retire_toggle verify")
    return "\n".join(lines) + "\n"


def strict_failure(plan):
    """Return the error of a STRICT migration whose settings disagree with the decision."""
    return "\n".join(
        [
            f"TOGGLES_MIGRATION['STRICT'] is on and PROCTORING_BACKENDS disagrees with the decision for "
            f"{plan['toggle']} ({plan['option']} = {plan['decision']['value']}).",
            *snippet_lines(plan["snippet"]),
            "Then run migrate again, or set TOGGLES_MIGRATION['DECISIONS'] to choose another value.",
        ]
    )


def next_step(action, report):
    """Return the one command an operator runs after ``action`` gave ``report``."""
    command = "manage.py retire_toggle"
    fix_settings = f"merge the snippet into PROCTORING_BACKENDS (LMS and CMS), restart, then {command} verify"
    if action == "verify":
        return {None: "manage.py migrate toggles_migration", True: f"{command} prune --dry-run", False: fix_settings}[
            report["agrees"]
        ]
    if report["dry_run"]:
        return fix_settings if report.get("would_refuse") else f"{command} {action}"
    return {
        "prune": f"{command} status (remaining reads of the flag); to undo: {command} restore",
        "restore": f"{command} verify",
    }[action]


def verify_text(report):
    """Text form of a verify report."""
    if report["agrees"] is None:
        lines = [f"{report['toggle']}: not captured. Run `manage.py migrate toggles_migration` first."]
    else:
        decision = report["decision"]
        lines = [f"{report['toggle']} ({report['state']}): decision {report['option']} = {decision['value']}"]
        lines.extend(effective_lines(report["effective_setting"]))
        lines.append("OK: the effective settings agree." if report["agrees"] else "DISAGREE: the settings differ.")
        lines.extend(snippet_lines(report["snippet"]))
    if report.get("next"):
        lines.append(f"Next: {report['next']}")
    return "\n".join(lines)


def change_text(report):
    """Text form of a prune or restore report."""
    counts = report.get("deleted", report.get("restored", {}))
    if "deleted" in report:
        verb = "would delete" if report["dry_run"] else "deleted"
    else:
        verb = "would restore" if report["dry_run"] else "restored"
    lines = [f"{report['toggle']}: {verb} {sum(counts.values())} rows"]
    lines.extend(f"  {table}: {count}" for table, count in sorted(counts.items()))
    for item in report.get("unresolved", []):
        lines.append(
            f"  not restored as it was: {item['table']} #{item['id']}: {item['column']} "
            f"{item['missing']} no longer exists"
        )
    if report.get("note"):
        lines.append(f"  ({report['note']})")
    if report.get("would_refuse"):
        lines.append("The real run would refuse: PROCTORING_BACKENDS disagrees with the captured decision.")
        lines.extend(snippet_lines(report["snippet"]))
        lines.append("(prune --force prunes anyway.)")
    elif report.get("dry_run") and "deleted" in report:
        lines.append("The real run would prune: the settings agree with the captured decision.")
    if report.get("next"):
        lines.append(f"Next: {report['next']}")
    return "\n".join(lines)


def list_text(report):
    """Text form of the list of declared retirements."""
    lines = []
    for item in report["retirements"]:
        lines.append(
            f"{item['toggle']:<30} {item['state']:<13} -> {item['option']}"
            + (f"  (captured {item['captured_at']}, {item['row_count']} rows)" if item["captured_at"] else "")
        )
    return "\n".join(lines)


def status_text(report):
    """Text form of a status report."""
    verify = report["verify"]
    agreement = {0: "settings agree", 1: "settings DISAGREE", 2: "nothing captured"}[verify["exit_code"]]
    lines = [
        f"{report['toggle']}: {report['state']}; verify: {agreement}",
        f"Reads mode: {report['reads_mode']}; tracer {'installed' if report['tracer_installed'] else 'NOT installed'}",
    ]
    counted = report["reads"]
    if counted is None:
        lines.append("Remaining reads: unknown (the cache is unavailable)")
        return "\n".join(lines)
    lines.append(
        f"Remaining reads: {counted['reads']} ({counted['mismatches']} where the legacy answer differs from "
        "the new setting's)"
    )
    if counted["first_seen"] is not None:
        first = datetime.fromtimestamp(counted["first_seen"], UTC).isoformat(timespec="seconds")
        last = datetime.fromtimestamp(counted["last_seen"], UTC).isoformat(timespec="seconds")
        lines.append(f"  first seen {first}, last seen {last}")
    for site in counted["call_sites"]:
        lines.append(f"  {site['reads']:>8} reads, {site['mismatches']:>6} mismatches  {site['call_site']}")
    lines.extend(snippet_lines(verify["snippet"]))
    return "\n".join(lines)
