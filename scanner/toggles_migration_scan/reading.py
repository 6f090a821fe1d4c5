"""Read a file safely, decode it, and find the searched names in it with their line and column."""

import bisect
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from .declarations import LEGACY_BACKENDS, RETIRED_TOGGLES, RetiredToggle
from .findings import SkipReason

DEFAULT_MAX_SIZE = 2 * 1024 * 1024
# The largest --max-size. Past FULL_PARSE_LIMIT a file costs about four times its size in memory while it is
# read and classified, so one file never takes more than about 256 MB.
MAX_SIZE_CEILING = 64 * 1024 * 1024
# A syntax tree or token list (Python's ast, the JSON parser, the code tokenizer) costs up to 200 times the
# file's size: larger files are classified by line patterns (JSON) or from a window of code around each
# occurrence (Python, JavaScript), so no file's tree takes more than about 200 MB.
FULL_PARSE_LIMIT = 1024 * 1024
BINARY_SNIFF_BYTES = 8 * 1024
# Most source files fit in one read of this size; asking for --max-size at once would allocate 2 MiB per file.
_FIRST_READ = 64 * 1024


class Content(NamedTuple):
    """A file's raw bytes, or why they were not read: a ``SkipReason`` and, where it helps, a detail."""

    raw: bytes = b""
    skipped: SkipReason | None = None
    detail: str | None = None


def read_candidate(filesystem_path: str, max_size: int) -> Content:
    """Return the file's bytes, or a ``Content`` saying it is too large, binary or unreadable."""
    try:
        # Plain descriptors: a file object per file costs more than reading most source files.
        descriptor = os.open(filesystem_path, os.O_RDONLY)
        try:
            # One byte past the limit tells a too-large file apart without a separate stat.
            raw = _read_up_to(descriptor, max_size + 1)
            if len(raw) > max_size:
                size = os.fstat(descriptor).st_size
                return Content(skipped=SkipReason.TOO_LARGE, detail=f"{size} bytes, over --max-size {max_size}")
        finally:
            os.close(descriptor)
    except OSError as error:
        return Content(skipped=SkipReason.UNREADABLE, detail=error.strerror or error.__class__.__name__)
    if b"\0" in raw[:BINARY_SNIFF_BYTES]:
        return Content(skipped=SkipReason.BINARY)
    return Content(raw=raw)


def _read_up_to(descriptor: int, limit: int) -> bytes:
    first = os.read(descriptor, min(_FIRST_READ, limit))
    # A short read of a regular file means its end, so small files take one read call.
    if len(first) < _FIRST_READ:
        return first
    chunks, total = [first], len(first)
    while total < limit:
        chunk = os.read(descriptor, min(limit - total, 1024 * 1024))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


def decode(raw: bytes) -> str:
    """Decode as UTF-8, replacing undecodable bytes, so a stray Latin-1 byte never stops a scan."""
    return raw.decode("utf-8-sig", errors="replace")


# The searched names: the declared ones (declarations.py), plus --name.


class TargetKind(StrEnum):
    """Why a name is searched for; suggestions and severities depend on it."""

    LEGACY_BACKEND = "legacy-backend"
    RETIRED_TOGGLE = "retired-toggle"
    RETIRED_CONSTANT = "retired-constant"
    EXTRA_NAME = "extra-name"


@dataclass(frozen=True)
class Target:
    """A searched name and, for retired toggles, the retirement that declares it."""

    name: str
    kind: TargetKind
    retirement: RetiredToggle | None = None

    @property
    def is_retired_toggle(self) -> bool:
        """Return whether the name is a retired toggle's name or its Python constant."""
        return self.kind in (TargetKind.RETIRED_TOGGLE, TargetKind.RETIRED_CONSTANT)


def declared_targets(extra_names: Iterable[str] = ()) -> tuple[Target, ...]:
    """Return the legacy backends, the retired toggles and their constants, then ``extra_names``, deduplicated."""
    targets = [Target(name, TargetKind.LEGACY_BACKEND) for name in LEGACY_BACKENDS]
    for retirement in RETIRED_TOGGLES:
        targets.append(Target(retirement.name, TargetKind.RETIRED_TOGGLE, retirement))
        targets.append(Target(retirement.constant, TargetKind.RETIRED_CONSTANT, retirement))
    targets.extend(Target(name, TargetKind.EXTRA_NAME) for name in extra_names)
    unique: dict[str, Target] = {}
    for target in targets:
        # Matching ignores case, so names differing only in case are one name; the declaration wins.
        unique.setdefault(target.name.lower(), target)
    return tuple(unique.values())


class NameMatcher:
    """Finds every name: a cheap per-file prefilter on raw bytes, then one case-insensitive regex on the text."""

    def __init__(self, targets: Sequence[Target]) -> None:
        if not targets or any(not target.name for target in targets):
            raise ValueError("every searched name must be a non-empty string")
        # Longest first, so a name that contains another is reported as itself.
        ordered = sorted(targets, key=lambda target: len(target.name), reverse=True)
        alternation = "|".join(re.escape(target.name) for target in ordered)
        self.text_pattern = re.compile(alternation, re.IGNORECASE)
        self._by_lowered_name = {target.name.lower(): target for target in targets}
        # Lower-casing the raw bytes and looking for each name with bytes.find runs at memory speed, many
        # times faster than a case-insensitive regex, and spares decoding the many files without a hit.
        # bytes.lower() folds only ASCII letters, so non-ASCII names search the decoded text instead.
        ascii_only = all(target.name.isascii() for target in targets)
        self.lowered_names: tuple[bytes, ...] | None = (
            tuple(name.encode("ascii") for name in self._by_lowered_name) if ascii_only else None
        )

    def may_match(self, raw: bytes) -> bool:
        """Return whether the raw bytes may hold a name (always True when names are not all ASCII)."""
        if self.lowered_names is None:
            return True
        lowered = raw.lower()
        return any(name in lowered for name in self.lowered_names)

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Return the (start, end) of every name in ``text``: leftmost first, the longest name at a position."""
        lowered = text.lower()
        # Lower-casing can change the length of some non-ASCII text, which would shift every offset after it.
        if self.lowered_names is None or len(lowered) != len(text):
            return [match.span() for match in self.text_pattern.finditer(text)]
        found: list[tuple[int, int]] = []
        for name in self._by_lowered_name:
            start = lowered.find(name)
            while start != -1:
                found.append((start, -len(name)))
                start = lowered.find(name, start + 1)
        found.sort()
        spans, covered_until = [], 0
        for start, negative_length in found:
            if start >= covered_until:
                covered_until = start - negative_length
                spans.append((start, covered_until))
        return spans

    def target_for(self, matched_text: str) -> Target:
        """Return the target that ``matched_text`` (any case) spells."""
        return self._by_lowered_name[matched_text.lower()]


# Hits: each occurrence of a name, with its line and column.


@dataclass(frozen=True)
class Hit:
    """One occurrence: character offsets in the text, 1-based line and column, and the target it spells."""

    start: int
    end: int
    line: int
    column: int
    match: str
    target: Target


class LineIndex:
    """Maps character offsets to lines; built only for files that have hits."""

    def __init__(self, text: str) -> None:
        self.text = text
        # The last line asked for: the hits of one line ask for it in turn, and a minified file is one long line.
        self._last: tuple[int, str] = (0, "")
        # Only "\n" ends a line, as for Python's tokenizer and grep, so line numbers agree with both.
        self.starts = [0]
        position = text.find("\n")
        while position != -1:
            self.starts.append(position + 1)
            position = text.find("\n", position + 1)

    def line_of(self, offset: int) -> int:
        """Return the 1-based line holding ``offset``."""
        return bisect.bisect_right(self.starts, offset)

    def line_start(self, line: int) -> int:
        """Return the offset where the 1-based ``line`` starts."""
        return self.starts[line - 1]

    def line_text(self, line: int) -> str:
        """Return the 1-based ``line`` without its line ending (the same string for the same line asked twice)."""
        if self._last[0] != line:
            start = self.starts[line - 1]
            end = self.starts[line] - 1 if line < len(self.starts) else len(self.text)
            self._last = (line, self.text[start:end].rstrip("\r"))
        return self._last[1]


def find_hits(text: str, matcher: NameMatcher, line_index: LineIndex) -> list[Hit]:
    """Return every occurrence of a searched name in ``text``, in order."""
    hits = []
    for start, end in matcher.spans(text):
        line = line_index.line_of(start)
        matched = text[start:end]
        hits.append(
            Hit(
                start=start,
                end=end,
                line=line,
                column=start - line_index.line_start(line) + 1,
                match=matched,
                target=matcher.target_for(matched),
            )
        )
    return hits
