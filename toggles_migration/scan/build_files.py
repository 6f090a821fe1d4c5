"""Classify occurrences in requirements files and Makefiles: dependencies, translation steps, comments."""

import re

from .findings import Category, Classified, Placement
from .line_comments import in_line_comment

_TRANSLATION_STEP = re.compile(
    r"i18n|makemessages|compilemessages|extract|translat|xgettext|pybabel|msgfmt|msgmerge|\.pot?\b|\blocale\b"
    r"|formatjs|atlas\s+pull|\btx\s+(?:pull|push)",
    re.IGNORECASE,
)
_INSTALL_STEP = re.compile(
    r"\bpip3?\s+install|\bnpm\s+(?:install|ci)\b|\byarn\s+add\b|requirements|constraints|pip-compile|pip-sync",
    re.IGNORECASE,
)
_ASSIGNMENT = re.compile(r"^\s*(?:export\s+|override\s+)?([A-Za-z_][\w.-]*)\s*(?:[:+?!]?=)")
_TARGET = re.compile(r"^([^\s#:=][^:=]*?)\s*::?(?!=)")


def classify_requirements(hits, line_index):
    """Return a ``Classified``: every requirement line is a dependency, text after `` #`` a comment."""
    placements = []
    for hit in hits:
        if in_line_comment(line_index.line_text(hit.line), hit.column, quotes=""):
            placements.append(Placement(Category.COMMENT, "comment"))
        else:
            placements.append(Placement(Category.DEPENDENCY, "requirement"))
    return Classified(placements)


def classify_makefile(hits, line_index):
    """Return a ``Classified``: installation and translation-extraction steps are dependencies, other lines logic."""
    lines = [line_index.line_text(number) for number in range(1, len(line_index.starts) + 1)]
    rule_by_line = _rules_by_line(lines)
    placements = []
    for hit in hits:
        line = lines[hit.line - 1]
        if in_line_comment(line, hit.column):
            placements.append(Placement(Category.COMMENT, "comment"))
            continue
        statement = _logical_line(lines, hit.line)
        assignment = _ASSIGNMENT.match(statement)
        context = " ".join(filter(None, [statement, rule_by_line[hit.line - 1]]))
        if _TRANSLATION_STEP.search(context):
            placements.append(Placement(Category.DEPENDENCY, "translation step"))
        elif _INSTALL_STEP.search(context):
            placements.append(Placement(Category.DEPENDENCY, "installation step"))
        else:
            detail = f"make variable {assignment.group(1)}" if assignment else "make recipe"
            placements.append(Placement(Category.LOGIC, detail, in_code=True))
    return Classified(placements)


def _rules_by_line(lines):
    """Return, for each line, the targets of the rule whose recipe it belongs to (or None)."""
    rules = []
    current = None
    continued = False
    for line in lines:
        if not continued and not line.startswith("\t") and line.strip() and not line.lstrip().startswith("#"):
            if _ASSIGNMENT.match(line):
                current = None
            else:
                target = _TARGET.match(line)
                current = target.group(1) if target else current
        rules.append(current)
        continued = line.endswith("\\")
    return rules


def _logical_line(lines, number):
    """Join the backslash-continued physical lines around the 1-based line ``number``."""
    first = number
    while first > 1 and lines[first - 2].endswith("\\"):
        first -= 1
    last = number
    while last < len(lines) and lines[last - 1].endswith("\\"):
        last += 1
    return " ".join(line.rstrip("\\") for line in lines[first - 1 : last])
