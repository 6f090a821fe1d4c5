"""Classify occurrences in Django, Mako and Underscore templates: comments, code, translated and user-facing text."""

import re

from . import vocabulary
from .codecontext import TokenContext
from .codetokens import tokenize_code
from .findings import Category, Classified, Placement

COMMENT, DISPLAY, CODE, SCRIPT = "comment", "display", "code", "script"

_COMMON_REGIONS = [
    (COMMENT, r"<!--.*?(?:-->|\Z)"),
    (SCRIPT, r"<script\b[^>]*>(?P<script_body>.*?)(?:</script\s*>|\Z)"),
]
_DJANGO_REGIONS = [
    (COMMENT, r"\{\#.*?\#\}"),
    (COMMENT, r"\{%-?\s*comment\b.*?(?:\{%-?\s*endcomment\s*-?%\}|\Z)"),
    (DISPLAY, r"\{%-?\s*blocktrans(?:late)?\b.*?(?:\{%-?\s*endblocktrans(?:late)?\s*-?%\}|\Z)"),
    (DISPLAY, r"\{%-?\s*trans(?:late)?\s.*?%\}"),
    (CODE, r"\{%.*?%\}|\{\{.*?\}\}"),
]
_MAKO_REGIONS = [
    (COMMENT, r"<%doc>.*?(?:</%doc>|\Z)"),
    (COMMENT, r"^[ \t]*\#\#[^\n]*"),
    (CODE, r"</?%(?!doc\b)[A-Za-z][^>]*>"),
    (CODE, r"\$\{(?:[^{}]|\{[^{}]*\})*\}"),
    (CODE, r"<%!?.*?(?:%>|\Z)"),
    (CODE, r"^[ \t]*%(?!>)[^\n]*"),
]
_UNDERSCORE_REGIONS = [
    (CODE, r"<%[=\-]?.*?(?:%>|\Z)"),
]

_MAKO_SIGNS = re.compile(
    r"<%(?:page|inherit|namespace|def|block|include|!)|\$\{|^[ \t]*%[ \t]*(?:if|for|endif|endfor)\b", re.M
)
_TAG_START = re.compile(r"</?[A-Za-z]")
_ATTRIBUTE = re.compile(r"""([^\s=/<>"']+)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)""")
# Attributes whose value a user reads or hears.
_USER_FACING_ATTRIBUTES = frozenset(
    {"title", "alt", "placeholder", "label", "summary", "aria-label", "aria-description", "aria-placeholder"}
)


def _compile(regions):
    pattern = "|".join(f"(?P<r{index}>{region})" for index, (_, region) in enumerate(regions))
    return re.compile(pattern, re.DOTALL | re.MULTILINE), [kind for kind, _ in regions]


_FLAVOURS = {
    "django": _compile(_COMMON_REGIONS + _DJANGO_REGIONS),
    "mako": _compile(_COMMON_REGIONS + _MAKO_REGIONS + _DJANGO_REGIONS),
    "underscore": _compile(_COMMON_REGIONS + _UNDERSCORE_REGIONS),
}


def template_flavour(relative_path, text):
    """Return which template language a file uses: ``mako``, ``underscore`` or ``django`` (plain HTML too)."""
    if relative_path.endswith(".mako"):
        return "mako"
    if relative_path.endswith(".underscore"):
        return "underscore"
    if _MAKO_SIGNS.search(text):
        return "mako"
    return "underscore" if "<%" in text else "django"


def classify_template(relative_path, text, hits):
    """Return a ``Classified`` for the hits of a template."""
    flavour = template_flavour(relative_path, text)
    pattern, kinds = _FLAVOURS[flavour]
    regions = [(match.start(), match.end(), kinds[int(match.lastgroup[1:])], match) for match in pattern.finditer(text)]
    contexts = {}
    placements = []
    for hit in hits:
        region = next((region for region in regions if region[0] <= hit.start < region[1]), None)
        if region is None:
            placements.append(_outside_regions(text, hit.start))
            continue
        start, _, kind, match = region
        if kind == COMMENT:
            placements.append(Placement(Category.COMMENT, "template comment"))
        elif kind == DISPLAY:
            placements.append(Placement(Category.DISPLAY_STRING, "trans tag"))
        else:
            end, python = region[1], flavour != "underscore"
            if kind == SCRIPT and match.start("script_body") <= hit.start:
                start, end, python = match.start("script_body"), match.end("script_body"), False
            context = contexts.get((start, end))
            if context is None:
                code = text[start:end]
                context = TokenContext(
                    code,
                    tokenize_code(code, python=python),
                    display_calls=vocabulary.TEMPLATE_DISPLAY_CALLS,
                )
                contexts[(start, end)] = context
            placements.append(context.classify([hit.start - start])[0])
    return Classified(placements)


def _outside_regions(text, offset):
    tag_start = text.rfind("<", 0, offset)
    if tag_start > text.rfind(">", 0, offset) and _TAG_START.match(text, tag_start):
        tag_end = text.find(">", offset)
        tag = text[tag_start : tag_end if tag_end != -1 else len(text)]
        for attribute in _ATTRIBUTE.finditer(tag):
            if attribute.start(2) <= offset - tag_start < attribute.end(2):
                name = attribute.group(1).lower()
                if name in _USER_FACING_ATTRIBUTES:
                    return Placement(Category.DISPLAY_STRING, f"{name} attribute")
                return Placement(Category.LOGIC, f"{name} attribute", in_code=True)
        return Placement(Category.LOGIC, "markup", in_code=True)
    return Placement(Category.DISPLAY_STRING, "template text")
