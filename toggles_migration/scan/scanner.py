"""Run a scan: discover files, prefilter their raw bytes for any name, classify the hits, apply suppressions."""

from dataclasses import dataclass

from .classifiers import classify
from .findings import UNREADABLE, Finding, Note, ScanResult, severity_for
from .hits import LineIndex, find_hits
from .reading import DEFAULT_MAX_SIZE, decode, read_candidate
from .suggestions import suggestion_for
from .suppression import is_suppressed
from .targets import NameMatcher, declared_targets
from .walk import Excludes, discover

# Minified files put megabytes on one line; a finding shows only the neighbourhood of its match.
_LONGEST_EXCERPT = 400
_EXCERPT_CONTEXT = 100


@dataclass(frozen=True)
class ScanOptions:
    """What to look for beyond the declarations, what to leave out, and the largest file to read."""

    extra_names: tuple = ()
    excludes: tuple = ()
    max_size: int = DEFAULT_MAX_SIZE


def scan(paths, options=None):
    """Scan files and folders for the declared names and return a sorted ``ScanResult``."""
    options = options or ScanOptions()
    targets = declared_targets(options.extra_names)
    matcher = NameMatcher(targets)
    result = ScanResult(targets=targets)
    for candidate in discover(paths, Excludes(options.excludes), result.notes):
        _scan_file(candidate, matcher, options.max_size, result)
    return result.sort()


def excerpt(line_text, column, length):
    """Return the line without surrounding blanks, or a window around the match when the line is minified-long."""
    stripped = line_text.strip()
    if len(stripped) <= _LONGEST_EXCERPT:
        return stripped
    start = max(0, column - 1 - _EXCERPT_CONTEXT)
    end = min(len(line_text), column - 1 + length + _EXCERPT_CONTEXT)
    return f"{'...' if start else ''}{line_text[start:end]}{'...' if end < len(line_text) else ''}"


def _scan_file(candidate, matcher, max_size, result):
    content = read_candidate(candidate.filesystem_path, max_size)
    if content.skipped:
        result.files_skipped[content.skipped] += 1
        if content.message:
            level = UNREADABLE if content.skipped == "unreadable" else "warning"
            result.notes.append(Note(candidate.path, content.message, level))
        return
    result.files_scanned += 1
    # Most files hold no name at all: a search of their raw bytes settles them before any decoding.
    if not matcher.may_match(content.raw):
        return
    text = decode(content.raw)
    line_index = LineIndex(text)
    hits = find_hits(text, matcher, line_index)
    if not hits:
        return
    classified = classify(candidate.kind, candidate.relative, text, hits, line_index)
    if classified.note:
        result.notes.append(Note(candidate.path, classified.note))
    for hit, placement in zip(hits, classified.placements, strict=True):
        line_text = line_index.line_text(hit.line)
        suppressed_by = "exclude" if candidate.excluded else "inline" if is_suppressed(line_text) else None
        finding = Finding(
            path=candidate.path,
            line=hit.line,
            column=hit.column,
            name=hit.target.name,
            match=hit.match,
            target_kind=hit.target.kind.value,
            category=placement.category,
            detail=placement.detail,
            severity=severity_for(
                placement.category, retired_toggle=hit.target.is_retired_toggle, in_code=placement.in_code
            ),
            text=excerpt(line_text, hit.column, len(hit.match)),
            suggestion=suggestion_for(hit.target, placement.category),
            parse=classified.parse,
            suppressed_by=suppressed_by,
        )
        (result.suppressed if suppressed_by else result.findings).append(finding)
