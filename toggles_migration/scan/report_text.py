"""The human-readable report: findings grouped by file, then notes and a one-line summary."""

from itertools import groupby

from .shown import printable

_LONGEST_LINE_SHOWN = 160


def render_text(result):
    """Return the text report of a ``ScanResult``."""
    lines = []
    for path, findings in groupby(result.findings, key=lambda finding: finding.path):
        # Escaped: a newline, an escape sequence or an undecodable byte in a file name must not break the report.
        shown = printable(path)
        lines.append(shown)
        for finding in findings:
            fallback = " (line patterns)" if finding.parse == "fallback" else ""
            lines.append(
                f"  {shown}:{finding.line}:{finding.column}: {finding.severity.value} "
                f"{finding.category.value} [{finding.detail}{fallback}] {finding.match!r}: "
                f"{printable(_shorten(finding.text))}"
            )
            lines.append(f"      suggestion: {finding.suggestion}")
        lines.append("")
    for note in result.notes:
        lines.append(f"{note.level}: {printable(note.path)}: {printable(note.message)}")
    if result.notes:
        lines.append("")
    lines.append(summary_line(result))
    return "\n".join(lines) + "\n"


def summary_line(result):
    """Return the one-line summary: findings by severity, suppressed findings, files scanned and skipped."""
    summary = result.summary()
    by_severity = ", ".join(f"{count} {severity}" for severity, count in summary["by_severity"].items())
    suppressed = summary["suppressed_by"]
    skipped = sum(summary["files_skipped"].values())
    findings, files = _count(summary["findings"], "finding"), _count(summary["files_with_findings"], "file")
    unreadable = f", {summary['unreadable']} unreadable" if summary["unreadable"] else ""
    return (
        f"{findings} ({by_severity}) in {files}; "
        f"{summary['suppressed']} suppressed ({suppressed['inline']} inline, {suppressed['exclude']} excluded); "
        f"{_count(summary['files_scanned'], 'file')} scanned, {skipped} skipped{unreadable}"
    )


def _count(number, noun):
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _shorten(text):
    return text if len(text) <= _LONGEST_LINE_SHOWN else text[: _LONGEST_LINE_SHOWN - 3] + "..."
