"""The inline marker that silences findings on its line, in whatever comment syntax the file uses."""

import re

MARKER = "toggles-migration: ignore"

# Matching the bare marker text makes it work in "#", "//", "<!-- -->", "{# #}", "##" and ";" comments alike.
_MARKER_PATTERN = re.compile(re.escape(MARKER), re.IGNORECASE)


def is_suppressed(line_text):
    """Return whether the line carries the inline ignore marker."""
    return _MARKER_PATTERN.search(line_text) is not None
