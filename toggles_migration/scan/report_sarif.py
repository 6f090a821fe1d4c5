"""The SARIF 2.1.0 report, one rule per category, for code-scanning dashboards."""

import json
from pathlib import Path, PurePosixPath

from .findings import SEVERITY_BY_CATEGORY, Category, Severity
from .shown import relative_uri, unicode_text
from .tool import INFORMATION_URI, TOOL_NAME, tool_version

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SOURCE_ROOT = "SRCROOT"
LEVEL_BY_SEVERITY = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}

RULE_DESCRIPTIONS = {
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


def render_sarif(result):
    """Return the SARIF 2.1.0 log of a ``ScanResult``; suppressed findings carry a ``suppressions`` entry."""
    categories = list(Category)
    findings = sorted(result.findings + result.suppressed, key=lambda finding: finding.sort_key)
    run = {
        "tool": {
            "driver": {
                "name": TOOL_NAME,
                "version": tool_version(),
                "informationUri": INFORMATION_URI,
                "rules": [_rule(category) for category in categories],
            }
        },
        "originalUriBaseIds": {SOURCE_ROOT: {"uri": Path.cwd().as_uri().rstrip("/") + "/"}},
        "columnKind": "unicodeCodePoints",
        "results": [_result(finding, categories.index(finding.category)) for finding in findings],
        "invocations": [
            {
                "executionSuccessful": True,
                "toolExecutionNotifications": [_notification(note) for note in result.notes],
            }
        ],
        "properties": {"summary": result.summary()},
    }
    log = {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _rule(category):
    return {
        "id": category.value,
        "name": "".join(word.capitalize() for word in category.value.split("-")),
        "shortDescription": {"text": f"Legacy name in {category.value}"},
        "fullDescription": {"text": RULE_DESCRIPTIONS[category]},
        "defaultConfiguration": {"level": LEVEL_BY_SEVERITY[SEVERITY_BY_CATEGORY[category]]},
        "properties": {"tags": ["open-edx", "toggle-retirement"]},
    }


def artifact_location(path):
    """
    Return a SARIF artifactLocation: relative to the source root when the path is relative, else a file URI.

    Either way the URI percent-encodes the name's bytes on disk, so names that are not UTF-8 survive.
    """
    if PurePosixPath(path).is_absolute():
        return {"uri": Path(path).as_uri()}
    return {"uri": relative_uri(path), "uriBaseId": SOURCE_ROOT}


def _result(finding, rule_index):
    sarif_result = {
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
        "properties": {"name": finding.name, "detail": finding.detail, "severity": finding.severity.value},
    }
    if finding.parse:
        sarif_result["properties"]["parse"] = finding.parse
    if finding.suppressed_by:
        kind = "inSource" if finding.suppressed_by == "inline" else "external"
        sarif_result["suppressions"] = [{"kind": kind, "justification": f"suppressed by {finding.suppressed_by}"}]
    return sarif_result


def _notification(note):
    return {
        "level": note.level,
        "message": {"text": unicode_text(note.message)},
        "locations": [{"physicalLocation": {"artifactLocation": artifact_location(note.path)}}],
    }
