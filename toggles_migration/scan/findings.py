"""What a scan reports: categories, severities, findings, notes and the overall result."""

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum


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
    def rank(self):
        """Return a number that grows with urgency."""
        return {Severity.INFO: 1, Severity.WARNING: 2, Severity.ERROR: 3}[self]


SEVERITY_BY_CATEGORY = {
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


def severity_for(category, *, retired_toggle, in_code):
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
    parse: str | None = None
    suppressed_by: str | None = None

    @property
    def sort_key(self):
        """Order findings by path, line, column, then name, so every output is stable."""
        return (self.path, self.line, self.column, self.name.lower(), self.category)


# The level of a note about a file or folder that could not be read: it fails the scan under --fail-on
# (unless --ignore-unreadable), since a finding may hide there.
UNREADABLE = "error"


@dataclass(frozen=True)
class Note:
    """Something the operator should know about a path the scan could not fully cover."""

    path: str
    message: str
    level: str = "note"


@dataclass
class ScanResult:
    """Everything one scan found: reported and suppressed findings, notes and file counts."""

    targets: tuple
    findings: list = field(default_factory=list)
    suppressed: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    files_scanned: int = 0
    files_skipped: Counter = field(default_factory=Counter)

    def sort(self):
        """Put findings and notes in their stable order."""
        self.findings.sort(key=lambda finding: finding.sort_key)
        self.suppressed.sort(key=lambda finding: finding.sort_key)
        self.notes.sort(key=lambda note: (note.path, note.message))
        return self

    @property
    def unreadable(self):
        """Return the notes about files and folders that could not be read."""
        return [note for note in self.notes if note.level == UNREADABLE]

    def worst_severity(self):
        """Return the most urgent severity among reported findings, or None when there are none."""
        return max((finding.severity for finding in self.findings), key=lambda severity: severity.rank, default=None)

    def summary(self):
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
            "suppressed_by": {reason: suppressed_by[reason] for reason in ("inline", "exclude")},
            "files_scanned": self.files_scanned,
            "files_skipped": dict(sorted(self.files_skipped.items())),
            "unreadable": len(self.unreadable),
        }


@dataclass(frozen=True)
class Classified:
    """A classifier's verdicts for a file's hits, in order, and how the file was read."""

    placements: list
    parse: str | None = None
    note: str | None = None
