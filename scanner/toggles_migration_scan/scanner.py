"""Run a scan, stage by stage: walk the paths, read each file, find the names, classify them, keep the findings."""

from collections.abc import Iterable
from dataclasses import dataclass

from .classify import classify
from .findings import Note, ScanResult, SkipReason, finding_for
from .reading import DEFAULT_MAX_SIZE, LineIndex, NameMatcher, declared_targets, decode, find_hits, read_candidate
from .walk import Candidate, Excludes, discover


@dataclass(frozen=True)
class ScanOptions:
    """What to look for beyond the declarations, what to leave out, and the largest file to read."""

    extra_names: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()
    max_size: int = DEFAULT_MAX_SIZE


def scan(paths: Iterable[str], options: ScanOptions | None = None) -> ScanResult:
    """Scan files and folders for the declared names and return a sorted ``ScanResult``."""
    options = options or ScanOptions()
    targets = declared_targets(options.extra_names)
    matcher = NameMatcher(targets)
    result = ScanResult(targets=targets)
    for candidate in discover(paths, Excludes(options.excludes), result):
        _scan_file(candidate, matcher, options.max_size, result)
    return result.sort()


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _scan_file(candidate: Candidate, matcher: NameMatcher, max_size: int, result: ScanResult) -> None:
    content = read_candidate(candidate.filesystem_path, max_size)
    if content.skipped:
        result.skip(candidate.path, content.skipped, content.detail)
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
    try:
        classified = classify(candidate.kind, candidate.relative, text, hits, line_index)
    # The classifiers fall back to the tokens when a parser gives up on deep nesting; should a shape defeat
    # that too, the file is named as skipped, and the scan goes on.
    except (RecursionError, MemoryError) as error:
        # Skipped, so not scanned: the summary counts each file once.
        result.files_scanned -= 1
        result.skip(
            candidate.path,
            SkipReason.TOO_DEEP,
            f"{_count(len(hits), 'occurrence')} not classified ({type(error).__name__})",
        )
        return
    if classified.note:
        result.notes.append(Note(candidate.path, classified.note))
    for hit, placement in zip(hits, classified.placements, strict=True):
        result.add(finding_for(candidate, hit, placement, line_index.line_text(hit.line), classified.parse))
