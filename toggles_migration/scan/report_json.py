"""The JSON report: every finding in a stable order, the searched names, notes and summary counts."""

import json

from .shown import unicode_text
from .tool import TOOL_NAME, tool_version


def finding_record(finding):
    """Return a finding as a JSON-ready dict; ``parse`` appears only when line patterns were used."""
    record = {
        # Undecodable bytes of a file name appear as \\xHH: JSON text must be valid Unicode.
        "path": unicode_text(finding.path),
        "line": finding.line,
        "column": finding.column,
        "name": finding.name,
        "match": finding.match,
        "target_kind": finding.target_kind,
        "category": finding.category.value,
        "detail": finding.detail,
        "severity": finding.severity.value,
        "text": finding.text,
        "suggestion": finding.suggestion,
    }
    if finding.parse:
        record["parse"] = finding.parse
    return record


def render_json(result):
    """Return the JSON report of a ``ScanResult``: identical for identical trees, keys and lists sorted."""
    document = {
        "tool": {"name": TOOL_NAME, "version": tool_version()},
        "names": [{"name": unicode_text(target.name), "kind": target.kind.value} for target in result.targets],
        "findings": [finding_record(finding) for finding in result.findings],
        "notes": [
            {"path": unicode_text(note.path), "level": note.level, "message": unicode_text(note.message)}
            for note in result.notes
        ],
        "summary": result.summary(),
    }
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
