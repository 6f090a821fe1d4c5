"""Where a line comment starts in line-oriented files (requirements, Makefiles, YAML, INI, TOML)."""

# A quote opens a string only where a value can start, so the apostrophe in "don't" opens nothing.
_VALUE_STARTS = frozenset(" \t:=,[{(")


def comment_start(line, markers="#", quotes="\"'"):
    """Return the column where a comment starts, or None; a marker counts at line start or after whitespace."""
    quote = None
    escaped = False
    for column, character in enumerate(line):
        if quote:
            if escaped:
                escaped = False
            elif character == "\\":
                escaped = True
            elif character == quote:
                quote = None
        elif character in quotes and (column == 0 or line[column - 1] in _VALUE_STARTS):
            quote = character
        elif character in markers and (column == 0 or line[column - 1].isspace()):
            return column
    return None


def in_line_comment(line, column, markers="#", quotes="\"'"):
    """Return whether the 1-based ``column`` of ``line`` lies inside a line comment."""
    start = comment_start(line, markers, quotes)
    return start is not None and column - 1 >= start
