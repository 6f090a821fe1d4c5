"""Occurrences of searched names in a file's text, with their line and column."""

import bisect
from dataclasses import dataclass


@dataclass(frozen=True)
class Hit:
    """One occurrence: character offsets in the text, 1-based line and column, and the target it spells."""

    start: int
    end: int
    line: int
    column: int
    match: str
    target: object


class LineIndex:
    """Maps character offsets to lines; built only for files that have hits."""

    def __init__(self, text):
        self.text = text
        # Only "\n" ends a line, as for Python's tokenizer and grep, so line numbers agree with both.
        self.starts = [0]
        position = text.find("\n")
        while position != -1:
            self.starts.append(position + 1)
            position = text.find("\n", position + 1)

    def line_of(self, offset):
        """Return the 1-based line holding ``offset``."""
        return bisect.bisect_right(self.starts, offset)

    def line_start(self, line):
        """Return the offset where the 1-based ``line`` starts."""
        return self.starts[line - 1]

    def line_text(self, line):
        """Return the 1-based ``line`` without its line ending."""
        start = self.starts[line - 1]
        end = self.starts[line] - 1 if line < len(self.starts) else len(self.text)
        return self.text[start:end].rstrip("\r")


def find_hits(text, matcher, line_index):
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
