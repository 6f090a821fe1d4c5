"""What a scan reports: categories, severities, suggestions, inline suppression, findings, notes and the result."""

from __future__ import annotations

import functools
import re
from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Final, Literal, Self, TypedDict

from .declarations import OPTIONS, RetiredToggle

if TYPE_CHECKING:
    from .reading import Hit, Target
    from .walk import Candidate

# How a file was read when its syntax could not be: line patterns, or the code around each occurrence.
Parse = Literal["fallback"]
SuppressedBy = Literal["inline", "exclude"]
SUPPRESSION_REASONS: tuple[SuppressedBy, ...] = ("inline", "exclude")
# The level of a note or a skipped file, as SARIF names it.
Level = Literal["error", "warning", "note"]


class Category(StrEnum):
    """Where a name occurs, which says what an operator has to do about it."""

    LOGIC = "logic"
    DEPENDENCY = "dependency"
    DISPLAY_STRING = "display-string"
    COMMENT = "comment"
    DOCS = "docs"
    CONFIG = "config"
    TRANSLATION = "translation"
    TEST = "test"


class Severity(StrEnum):
    """How urgent a finding is; ``--fail-on`` compares against ``rank``."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Return a number that grows with urgency."""
        return {Severity.INFO: 1, Severity.WARNING: 2, Severity.ERROR: 3}[self]


SEVERITY_BY_CATEGORY: dict[Category, Severity] = {
    Category.LOGIC: Severity.ERROR,
    Category.DEPENDENCY: Severity.ERROR,
    Category.DISPLAY_STRING: Severity.WARNING,
    Category.COMMENT: Severity.WARNING,
    Category.DOCS: Severity.WARNING,
    Category.CONFIG: Severity.WARNING,
    Category.TRANSLATION: Severity.INFO,
    Category.TEST: Severity.INFO,
}

# A retired toggle named in code is a read or a construction of that flag, whatever surrounds it,
# unless it only sits in prose (comments, docstrings) or in tests.
_CATEGORIES_THAT_KEEP_THEIR_SEVERITY = frozenset({Category.COMMENT, Category.TEST})


def severity_for(category: Category, *, retired_toggle: bool, in_code: bool) -> Severity:
    """Return the severity of a finding in ``category``; retired toggles named in code are errors."""
    if retired_toggle and in_code and category not in _CATEGORIES_THAT_KEEP_THEIR_SEVERITY:
        return Severity.ERROR
    return SEVERITY_BY_CATEGORY[category]


@dataclass(frozen=True)
class Placement:
    """A classifier's verdict on one occurrence: its category, why, and whether it sits in code."""

    category: Category
    detail: str
    in_code: bool = False


@dataclass(frozen=True)
class Classified:
    """A classifier's verdicts for a file's hits, in order, and how the file was read."""

    placements: list[Placement]
    parse: Parse | None = None
    note: str | None = None


# Suppression and suggestions.

MARKER = "toggles-migration: ignore"

# Matching the bare marker text makes it work in "#", "//", "<!-- -->", "{# #}", "##" and ";" comments alike.
_MARKER_PATTERN = re.compile(re.escape(MARKER), re.IGNORECASE)


# The hits of one line ask in turn, with the same string: a minified file's one long line is searched once.
@functools.lru_cache(maxsize=1)
def is_suppressed(line_text: str) -> bool:
    """Return whether the line carries the inline ignore marker."""
    return _MARKER_PATTERN.search(line_text) is not None


def _option_keys() -> str:
    return " / ".join(f"['{option.name}']" for option in OPTIONS)


def _helpers() -> str:
    return " / ".join(option.reader for option in OPTIONS)


def suggestion_for(target: Target, category: Category) -> str:
    """Return what to do about an occurrence of ``target`` in ``category``."""
    if target.is_retired_toggle and target.retirement is not None:
        return _for_retired_toggle(target.retirement, category)
    return _for_backend_name(category)


def _for_backend_name(category: Category) -> str:
    return {
        Category.LOGIC: "use the backend option that replaces the name check, e.g. "
        f"PROCTORING_BACKENDS[provider]{_option_keys()} via {_helpers()}",
        Category.DEPENDENCY: "keep the package only while a course uses this backend; drop its strings from "
        "translation extraction once no code or template names it",
        Category.DISPLAY_STRING: "take the provider's name from the backend (or describe the capability) "
        "instead of a hard-coded name in the message",
        Category.COMMENT: "reword the comment around the backend option rather than the backend name",
        Category.DOCS: f"document the PROCTORING_BACKENDS options {_option_keys()} rather than the backend name",
        Category.CONFIG: f"give this backend explicit PROCTORING_BACKENDS options {_option_keys()}",
        Category.TRANSLATION: "informational: catalogues follow the source strings once those change",
        Category.TEST: "informational: mock backends in tests are fine; prefer a neutral name where the test "
        "does not depend on the legacy backend",
    }[category]


def _for_retired_toggle(retirement: RetiredToggle, category: Category) -> str:
    option = retirement.option.name
    replacement = f"PROCTORING_BACKENDS[<backend>]['{option}']"
    return {
        Category.LOGIC: f"read {replacement} via {retirement.option.reader}",
        Category.DEPENDENCY: f"stop depending on {retirement.name}; its replacement is {replacement}",
        Category.DISPLAY_STRING: f"{retirement.name} is retired: name {replacement} in the message instead",
        Category.COMMENT: f"{retirement.name} is retired: point the comment at {replacement}",
        Category.DOCS: f"{retirement.name} is retired: document {replacement} instead",
        Category.CONFIG: f"remove the retired {retirement.name} setting and set {replacement} instead",
        Category.TRANSLATION: "informational: catalogues follow the source strings once those change",
        Category.TEST: f"informational: tests of the retired {retirement.name} can go once nothing reads it",
    }[category]


# Findings, notes and the result of a scan.


@dataclass(frozen=True)
class Finding:
    """One occurrence of a searched name, classified."""

    path: str
    line: int
    column: int
    name: str
    match: str
    target_kind: str
    category: Category
    detail: str
    severity: Severity
    text: str
    suggestion: str
    parse: Parse | None = None
    suppressed_by: SuppressedBy | None = None

    @property
    def sort_key(self) -> tuple[str, int, int, str, Category]:
        """Order findings by path, line, column, then name, so every output is stable."""
        return (self.path, self.line, self.column, self.name.lower(), self.category)


# Minified files put megabytes on one line; a finding shows only the neighbourhood of its match.
_LONGEST_EXCERPT = 400
_EXCERPT_CONTEXT = 100


def finding_for(
    candidate: Candidate, hit: Hit, placement: Placement, line_text: str, parse: Parse | None = None
) -> Finding:
    """Return the ``Finding`` for a classified hit of ``candidate``, suppressed when excluded or marked inline."""
    target = hit.target
    return Finding(
        path=candidate.path,
        line=hit.line,
        column=hit.column,
        name=target.name,
        match=hit.match,
        target_kind=target.kind.value,
        category=placement.category,
        detail=placement.detail,
        severity=severity_for(placement.category, retired_toggle=target.is_retired_toggle, in_code=placement.in_code),
        text=excerpt(line_text, hit.column, len(hit.match)),
        suggestion=suggestion_for(target, placement.category),
        parse=parse,
        suppressed_by="exclude" if candidate.excluded else "inline" if is_suppressed(line_text) else None,
    )


@functools.lru_cache(maxsize=1)
def _shown_whole(line_text: str) -> str | None:
    """Return the line without surrounding blanks when it is short enough to show whole."""
    stripped = line_text.strip()
    return stripped if len(stripped) <= _LONGEST_EXCERPT else None


def excerpt(line_text: str, column: int, length: int) -> str:
    """Return the line without surrounding blanks, or a window around the match when the line is minified-long."""
    whole = _shown_whole(line_text)
    if whole is not None:
        return whole
    start = max(0, column - 1 - _EXCERPT_CONTEXT)
    end = min(len(line_text), column - 1 + length + _EXCERPT_CONTEXT)
    return f"{'...' if start else ''}{line_text[start:end]}{'...' if end < len(line_text) else ''}"


# The level of a note about a file or folder that could not be read: it fails the scan under --fail-on
# (unless --ignore-unreadable), since a finding may hide there.
UNREADABLE: Final = "error"


class SkipReason(StrEnum):
    """Why a file the scan met was not read; the value is the stable identifier JSON and SARIF carry.

    Declared in the order the text report lists them: the reasons that may hide a finding first.
    """

    UNREADABLE = "unreadable"
    TOO_LARGE = "too-large"
    TOO_DEEP = "too-deep"
    BINARY = "binary"
    UNSUPPORTED_KIND = "unsupported-kind"

    @property
    def label(self) -> str:
        """Return the reason in words, as the text report shows it."""
        return _SKIP_LABELS[self]

    @property
    def level(self) -> Level:
        """Return the level of the report entry: an unreadable file fails the scan, like an unreadable folder."""
        return _SKIP_LEVELS[self]


_SKIP_LABELS: dict[SkipReason, str] = {
    SkipReason.UNREADABLE: "unreadable",
    SkipReason.TOO_LARGE: "too large",
    SkipReason.TOO_DEEP: "nested too deeply to classify",
    SkipReason.BINARY: "binary",
    SkipReason.UNSUPPORTED_KIND: "not a kind the scanner reads",
}
_SKIP_LEVELS: dict[SkipReason, Level] = {
    SkipReason.UNREADABLE: UNREADABLE,
    SkipReason.TOO_LARGE: "warning",
    SkipReason.TOO_DEEP: "warning",
    SkipReason.BINARY: "note",
    SkipReason.UNSUPPORTED_KIND: "note",
}


@dataclass(frozen=True)
class Note:
    """Something the operator should know about a path the scan could not fully cover."""

    path: str
    message: str
    level: Level = "note"


@dataclass(frozen=True)
class Skipped:
    """A file the scan met but did not read: its path as shown, why, and what the reason alone does not say."""

    path: str
    reason: SkipReason
    detail: str | None = None


class ScanSummary(TypedDict):
    """A scan's counts, as every output format carries them."""

    findings: int
    files_with_findings: int
    by_severity: dict[str, int]
    by_category: dict[str, int]
    suppressed: int
    suppressed_by: dict[SuppressedBy, int]
    files_scanned: int
    files_skipped: dict[str, int]
    unreadable: int


@dataclass
class ScanResult:
    """Everything one scan found: reported and suppressed findings, notes, and the files scanned and skipped."""

    targets: tuple[Target, ...]
    findings: list[Finding] = field(default_factory=list)
    suppressed: list[Finding] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    files_scanned: int = 0

    def add(self, finding: Finding) -> None:
        """Keep ``finding`` with the reported or the suppressed findings."""
        (self.suppressed if finding.suppressed_by else self.findings).append(finding)

    def skip(self, path: str, reason: SkipReason, detail: str | None = None) -> None:
        """Record that the file shown as ``path`` was not read, and why."""
        self.skipped.append(Skipped(path, reason, detail))

    def sort(self) -> Self:
        """Put findings, notes and skipped files in their stable order."""
        self.findings.sort(key=lambda finding: finding.sort_key)
        self.suppressed.sort(key=lambda finding: finding.sort_key)
        self.notes.sort(key=lambda note: (note.path, note.message))
        self.skipped.sort(key=lambda skipped: (skipped.path, skipped.reason))
        return self

    @property
    def files_skipped(self) -> Counter[str]:
        """Return how many files were skipped for each reason: counted from the list, so the two always agree."""
        return Counter(skipped.reason.value for skipped in self.skipped)

    @property
    def unreadable(self) -> list[str]:
        """Return the paths of the files and folders that could not be read."""
        folders = [note.path for note in self.notes if note.level == UNREADABLE]
        return folders + [skipped.path for skipped in self.skipped if skipped.reason == SkipReason.UNREADABLE]

    def summary(self) -> ScanSummary:
        """Return counts by severity, category and suppression reason, for every output format."""
        by_severity = Counter(finding.severity.value for finding in self.findings)
        by_category = Counter(finding.category.value for finding in self.findings)
        suppressed_by = Counter(finding.suppressed_by for finding in self.suppressed)
        return {
            "findings": len(self.findings),
            "files_with_findings": len({finding.path for finding in self.findings}),
            "by_severity": {severity.value: by_severity[severity.value] for severity in Severity},
            "by_category": {category.value: by_category[category.value] for category in Category},
            "suppressed": len(self.suppressed),
            "suppressed_by": {reason: suppressed_by[reason] for reason in SUPPRESSION_REASONS},
            "files_scanned": self.files_scanned,
            "files_skipped": dict(sorted(self.files_skipped.items())),
            "unreadable": len(self.unreadable),
        }
