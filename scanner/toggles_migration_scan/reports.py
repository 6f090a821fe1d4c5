"""The reports of a scan: text for people, JSON for scripts, SARIF 2.1.0 for code-scanning dashboards."""

import json
import os
from collections.abc import Sequence
from itertools import groupby
from pathlib import Path, PurePosixPath
from typing import NotRequired, TypedDict
from urllib.parse import quote

from .__about__ import __version__
from .findings import SEVERITY_BY_CATEGORY, Category, Finding, Level, Note, ScanResult, Severity, Skipped, SkipReason
from .reading import BINARY_SNIFF_BYTES

TOOL_NAME = "toggles-migration-scan"
INFORMATION_URI = "https://github.com/openedx/openedx-toggles-migration/tree/main/scanner"


# Paths shown safely: undecodable bytes and control characters become visible escapes, never a crash.

_NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# os.fsdecode keeps each undecodable byte of a file name as one of these lone surrogates (PEP 383).
_ESCAPED_BYTES = range(0xDC80, 0xDD00)


def _escape(char: str) -> str:
    code = ord(char)
    if code in _ESCAPED_BYTES:
        return f"\\x{code - 0xDC00:02x}"
    if char in _NAMED_ESCAPES:
        return _NAMED_ESCAPES[char]
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def printable(text: str) -> str:
    """Return ``text`` with undecodable bytes as backslash-x escapes and unprintable characters (newline...) escaped."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else _escape(char) for char in text)


def unicode_text(text: str) -> str:
    """Return ``text`` with its lone surrogates (undecodable bytes of a file name) escaped, so it encodes as UTF-8."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "".join(_escape(char) if 0xD800 <= ord(char) <= 0xDFFF else char for char in text)
    return text


def relative_uri(path: str) -> str:
    """Return a relative POSIX path as a URI reference: its bytes on disk, percent-encoded (RFC 3986)."""
    return quote(os.fsencode(path))


# Text.

_LONGEST_LINE_SHOWN = 160


def render_text(result: ScanResult) -> str:
    """Return the text report of a ``ScanResult``."""
    lines: list[str] = []
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
    lines.extend(skipped_lines(result.skipped))
    lines.append(summary_line(result))
    return "\n".join(lines) + "\n"


def skipped_lines(skipped: Sequence[Skipped]) -> list[str]:
    """Return the text report's list of skipped files: one block per reason, the most urgent first."""
    lines: list[str] = []
    for reason in SkipReason:
        files = [entry for entry in skipped if entry.reason == reason]
        if not files:
            continue
        lines.append(f"{reason.level}: {_count(len(files), 'file')} skipped as {reason.label}:")
        lines.extend(
            f"  {printable(entry.path)}{f' ({printable(entry.detail)})' if entry.detail else ''}" for entry in files
        )
    return [*lines, ""] if lines else []


def summary_line(result: ScanResult) -> str:
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


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _shorten(text: str) -> str:
    return text if len(text) <= _LONGEST_LINE_SHOWN else text[: _LONGEST_LINE_SHOWN - 3] + "..."


# JSON.


def finding_record(finding: Finding) -> dict[str, str | int]:
    """Return a finding as a JSON-ready dict; ``parse`` appears only when line patterns were used."""
    record: dict[str, str | int] = {
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


def render_json(result: ScanResult) -> str:
    """Return the JSON report of a ``ScanResult``: identical for identical trees, keys and lists sorted."""
    document = {
        "tool": {"name": TOOL_NAME, "version": __version__},
        "names": [{"name": unicode_text(target.name), "kind": target.kind.value} for target in result.targets],
        "findings": [finding_record(finding) for finding in result.findings],
        "notes": [
            {"path": unicode_text(note.path), "level": note.level, "message": unicode_text(note.message)}
            for note in result.notes
        ],
        "skipped": [skipped_record(skipped) for skipped in result.skipped],
        "summary": result.summary(),
    }
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def skipped_record(skipped: Skipped) -> dict[str, str]:
    """Return a skipped file as a JSON-ready dict; ``detail`` appears only when the reason alone does not say it."""
    record = {"path": unicode_text(skipped.path), "reason": skipped.reason.value}
    if skipped.detail:
        record["detail"] = unicode_text(skipped.detail)
    return record


# SARIF 2.1.0, one rule per category.

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SOURCE_ROOT = "SRCROOT"
LEVEL_BY_SEVERITY: dict[Severity, Level] = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}

RULE_DESCRIPTIONS: dict[Category, str] = {
    Category.LOGIC: "A legacy backend name or retired toggle decides behaviour in code (comparison, membership, "
    "lookup, match/switch case, flag construction or read).",
    Category.DEPENDENCY: "A requirement, package.json entry, plugin registration or translation-extraction step "
    "names the legacy backend or retired toggle.",
    Category.DISPLAY_STRING: "A translatable or user-facing string names the legacy backend or retired toggle.",
    Category.COMMENT: "A comment or docstring names the legacy backend or retired toggle.",
    Category.DOCS: "Documentation names the legacy backend or retired toggle.",
    Category.CONFIG: "Configuration (YAML, JSON, INI, TOML) names the legacy backend or retired toggle.",
    Category.TRANSLATION: "A gettext catalogue or locale file names the legacy backend or retired toggle.",
    Category.TEST: "Test code names the legacy backend or retired toggle; mock backends there are acceptable.",
}


def render_sarif(result: ScanResult) -> str:
    """Return the SARIF 2.1.0 log of a ``ScanResult``; suppressed findings carry a ``suppressions`` entry."""
    categories = list(Category)
    findings = sorted(result.findings + result.suppressed, key=lambda finding: finding.sort_key)
    run = {
        "tool": {
            "driver": {
                "name": TOOL_NAME,
                "version": __version__,
                "informationUri": INFORMATION_URI,
                "rules": [_rule(category) for category in categories],
                "notifications": [_skip_descriptor(reason) for reason in SkipReason],
            }
        },
        "originalUriBaseIds": {SOURCE_ROOT: {"uri": Path.cwd().as_uri().rstrip("/") + "/"}},
        "columnKind": "unicodeCodePoints",
        "results": [_result(finding, categories.index(finding.category)) for finding in findings],
        "invocations": [
            {
                "executionSuccessful": True,
                "toolExecutionNotifications": [_notification(note) for note in result.notes]
                + [_skip_notification(skipped) for skipped in result.skipped],
            }
        ],
        "properties": {"summary": result.summary()},
    }
    log = {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _rule(category: Category) -> dict[str, object]:
    return {
        "id": category.value,
        "name": _pascal_case(category.value),
        "shortDescription": {"text": f"Legacy name in {category.value}"},
        "fullDescription": {"text": RULE_DESCRIPTIONS[category]},
        "defaultConfiguration": {"level": LEVEL_BY_SEVERITY[SEVERITY_BY_CATEGORY[category]]},
        "properties": {"tags": ["open-edx", "toggle-retirement"]},
    }


def _pascal_case(identifier: str) -> str:
    return "".join(word.capitalize() for word in identifier.split("-"))


class ArtifactLocation(TypedDict):
    """A SARIF artifactLocation: a URI, relative to the source root when ``uriBaseId`` names it."""

    uri: str
    uriBaseId: NotRequired[str]


def artifact_location(path: str) -> ArtifactLocation:
    """
    Return a SARIF artifactLocation: relative to the source root when the path is relative, else a file URI.

    Either way the URI percent-encodes the name's bytes on disk, so names that are not UTF-8 survive.
    """
    if PurePosixPath(path).is_absolute():
        return {"uri": Path(path).as_uri()}
    return {"uri": relative_uri(path), "uriBaseId": SOURCE_ROOT}


def _result(finding: Finding, rule_index: int) -> dict[str, object]:
    properties = {"name": finding.name, "detail": finding.detail, "severity": finding.severity.value}
    if finding.parse:
        properties["parse"] = finding.parse
    sarif_result: dict[str, object] = {
        "ruleId": finding.category.value,
        "ruleIndex": rule_index,
        "level": LEVEL_BY_SEVERITY[finding.severity],
        "message": {
            "text": f"{finding.match!r} ({finding.target_kind}) in {finding.category.value} [{finding.detail}]: "
            f"{finding.suggestion}"
        },
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": artifact_location(finding.path),
                    "region": {
                        "startLine": finding.line,
                        "startColumn": finding.column,
                        "endColumn": finding.column + len(finding.match),
                        "snippet": {"text": finding.text},
                    },
                }
            }
        ],
        "properties": properties,
    }
    if finding.suppressed_by:
        kind = "inSource" if finding.suppressed_by == "inline" else "external"
        sarif_result["suppressions"] = [{"kind": kind, "justification": f"suppressed by {finding.suppressed_by}"}]
    return sarif_result


def _notification(note: Note) -> dict[str, object]:
    return {
        "level": note.level,
        "message": {"text": unicode_text(note.message)},
        "locations": [{"physicalLocation": {"artifactLocation": artifact_location(note.path)}}],
    }


SKIP_DESCRIPTIONS: dict[SkipReason, str] = {
    SkipReason.UNREADABLE: "The file could not be read (permissions, an I/O error): a finding may hide there.",
    SkipReason.TOO_LARGE: "The file is larger than --max-size.",
    SkipReason.TOO_DEEP: "The file nests its code or data too deeply for even its token-level reading.",
    SkipReason.BINARY: f"The file holds a NUL byte in its first {BINARY_SNIFF_BYTES // 1024} KiB.",
    SkipReason.UNSUPPORTED_KIND: "The file was named on the command line, but it is not a kind the scanner reads.",
}


def skip_descriptor_id(reason: SkipReason) -> str:
    """Return the id of the SARIF notification descriptor of a ``SkipReason``."""
    return f"skipped-{reason.value}"


def _skip_descriptor(reason: SkipReason) -> dict[str, object]:
    return {
        "id": skip_descriptor_id(reason),
        "name": _pascal_case(skip_descriptor_id(reason)),
        "shortDescription": {"text": f"File skipped: {reason.label}"},
        "fullDescription": {"text": SKIP_DESCRIPTIONS[reason]},
        "defaultConfiguration": {"level": reason.level},
    }


def _skip_notification(skipped: Skipped) -> dict[str, object]:
    detail = f" ({unicode_text(skipped.detail)})" if skipped.detail else ""
    return {
        "level": skipped.reason.level,
        "message": {"text": f"skipped: {skipped.reason.label}{detail}"},
        "descriptor": {"id": skip_descriptor_id(skipped.reason), "index": list(SkipReason).index(skipped.reason)},
        "locations": [{"physicalLocation": {"artifactLocation": artifact_location(skipped.path)}}],
    }
