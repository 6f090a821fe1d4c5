"""Render command reports as text for operators or as stable JSON for scripts."""

import json

FORMATS = ("text", "json")


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
