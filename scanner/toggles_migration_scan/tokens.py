"""Split text into the pieces of its language: code tokens, comments, template regions, JSON strings and keys."""

from __future__ import annotations

import functools
import io
import json
import re
import tokenize
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal, NamedTuple

if TYPE_CHECKING:
    from .reading import LineIndex

# Code: a lenient tokenizer for JavaScript/TypeScript, and for Python-like code that may not parse.

COMMENT: Final = "comment"
STRING: Final = "string"
NAME: Final = "name"
NUMBER: Final = "number"
OPERATOR: Final = "op"

_JS_TOKEN = re.compile(
    r"""
     (?P<space>\s+)
    |(?P<comment>//[^\n]*|/\*.*?(?:\*/|\Z))
    |(?P<string>"(?:[^"\\\n]|\\.)*(?:"|$)|'(?:[^'\\\n]|\\.)*(?:'|$))
    |(?P<template>`)
    |(?P<name>[^\W\d][\w$]*|\$[\w$]*)
    |(?P<number>\d[\w.]*)
    |(?P<op>===|!==|==|!=|=>|<=|>=|&&|\|\||\?\?|\?\.|\.\.\.|\S)
    """,
    re.VERBOSE | re.DOTALL | re.MULTILINE,
)

_PYTHON_TOKEN = re.compile(
    r"""
     (?P<space>\s+)
    |(?P<comment>\#[^\n]*)
    |(?P<string>[rRbBuUfF]{0,3}(?:\"\"\".*?(?:\"\"\"|\Z)|'''.*?(?:'''|\Z)
                                |"(?:[^"\\\n]|\\.)*(?:"|$)|'(?:[^'\\\n]|\\.)*(?:'|$)))
    |(?P<name>[^\W\d]\w*)
    |(?P<number>\d[\w.]*)
    |(?P<op>==|!=|<=|>=|->|:=|\*\*|//|\S)
    """,
    re.VERBOSE | re.DOTALL | re.MULTILINE,
)

_JS_REGEX_LITERAL = re.compile(r"/(?:[^/\\\[\n]|\\.|\[(?:[^\]\\\n]|\\.)*\])+/[a-z]*")
# After these a "/" starts a regular expression rather than a division.
_REGEX_MAY_FOLLOW_KEYWORDS = frozenset({"return", "typeof", "case", "do", "else", "in", "of", "new", "delete", "void"})

# Classifying a name looks at a few tokens after it; tokenizing this far past the last name is plenty.
_LOOKAHEAD_CHARACTERS = 2000


class Token(NamedTuple):
    """A token's kind and its character span in the tokenized text."""

    kind: str
    start: int
    end: int


def tokenize_code(text: str, *, python: bool = False, stop_after: int | None = None) -> list[Token]:
    """Return the tokens of ``text``, up to a little past ``stop_after`` when given.

    Unterminated strings and comments end at the line or file end.
    """
    tokens: list[Token] = []
    length = len(text) if stop_after is None else min(len(text), stop_after + _LOOKAHEAD_CHARACTERS)
    if python:
        _tokenize_python(text, tokens, length)
    else:
        _tokenize_js(text, 0, tokens, inside_template=False, length=length)
    return tokens


def _tokenize_python(text: str, tokens: list[Token], length: int) -> None:
    for match in _PYTHON_TOKEN.finditer(text):
        if match.start() >= length:
            break
        kind = match.lastgroup
        # Every alternative of the pattern is a named group, so kind is never None: the test is for the types.
        if kind != "space" and kind is not None:
            tokens.append(Token(kind, match.start(), match.end()))


def _tokenize_js(text: str, position: int, tokens: list[Token], *, inside_template: bool, length: int) -> int:
    """Tokenize from ``position``; inside a template's ``${`` stop after the matching ``}`` and return there."""
    depth = 0
    while position < length:
        match = _JS_TOKEN.match(text, position)
        if match is None:  # never: the pattern matches any character
            break
        kind = match.lastgroup
        if kind == "template":
            position = _template_literal(text, match.end(), tokens, length)
            continue
        if kind == OPERATOR and match.group() == "/" and _regex_may_start(text, tokens):
            literal = _JS_REGEX_LITERAL.match(text, position)
            if literal:
                tokens.append(Token(STRING, literal.start(), literal.end()))
                position = literal.end()
                continue
        if inside_template and kind == OPERATOR:
            if match.group() == "{":
                depth += 1
            elif match.group() == "}":
                if depth == 0:
                    return match.end()
                depth -= 1
        # Every alternative of the pattern is a named group, so kind is never None: the test is for the types.
        if kind != "space" and kind is not None:
            tokens.append(Token(kind, match.start(), match.end()))
        position = match.end()
    return position


def _template_literal(text: str, position: int, tokens: list[Token], length: int) -> int:
    """Emit a template literal's text as strings and its ``${...}`` parts as code; return the index after it."""
    chunk_start = position - 1
    while position < length:
        character = text[position]
        if character == "\\":
            position += 2
        elif character == "`":
            tokens.append(Token(STRING, chunk_start, position + 1))
            return position + 1
        elif character == "$" and text.startswith("{", position + 1):
            tokens.append(Token(STRING, chunk_start, position))
            position = _tokenize_js(text, position + 2, tokens, inside_template=True, length=length)
            chunk_start = position
        else:
            position += 1
    tokens.append(Token(STRING, chunk_start, length))
    return length


def _regex_may_start(text: str, tokens: list[Token]) -> bool:
    previous = next((token for token in reversed(tokens) if token.kind != COMMENT), None)
    if previous is None:
        return True
    previous_text = text[previous.start : previous.end]
    if previous.kind in (NAME, NUMBER, STRING):
        return previous.kind == NAME and previous_text in _REGEX_MAY_FOLLOW_KEYWORDS
    return previous_text not in (")", "]", "}")


# Python comments, from Python's own tokenizer.


def python_comment_columns(text: str, last_line: int) -> dict[int, int]:
    """Return ``{line: column where its comment starts}`` for Python source, from its tokens up to ``last_line``."""
    columns = {}
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.start[0] > last_line:
            break
        if token.type == tokenize.COMMENT:
            columns[token.start[0]] = token.start[1]
    return columns


# Line comments of line-oriented files (requirements, Makefiles, YAML, INI, TOML).

# A quote opens a string only where a value can start, so the apostrophe in "don't" opens nothing.
_VALUE_STARTS = frozenset(" \t:=,[{(")


# The hits of one line ask in turn (LineIndex gives them the same string): each line is read once.
@functools.lru_cache(maxsize=1)
def comment_start(line: str, markers: str = "#", quotes: str = "\"'") -> int | None:
    """Return the column where a comment starts, or None; a marker counts at line start or after whitespace."""
    quote: str | None = None
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


def in_line_comment(line: str, column: int, markers: str = "#", quotes: str = "\"'") -> bool:
    """Return whether the 1-based ``column`` of ``line`` lies inside a line comment."""
    start = comment_start(line, markers, quotes)
    return start is not None and column - 1 >= start


# Template regions: comments, translated text, code and scripts of Django, Mako and Underscore templates.

DISPLAY: Final = "display"
CODE: Final = "code"
SCRIPT: Final = "script"
RegionKind = Literal["comment", "display", "code", "script"]
Flavour = Literal["django", "mako", "underscore"]
# A template region: its start and end offsets, its kind, and the match (a script's body is a group of it).
Region = tuple[int, int, RegionKind, re.Match[str]]

_COMMON_REGIONS: list[tuple[RegionKind, str]] = [
    (COMMENT, r"<!--.*?(?:-->|\Z)"),
    (SCRIPT, r"<script\b[^>]*>(?P<script_body>.*?)(?:</script\s*>|\Z)"),
]
_DJANGO_REGIONS: list[tuple[RegionKind, str]] = [
    (COMMENT, r"\{\#.*?\#\}"),
    (COMMENT, r"\{%-?\s*comment\b.*?(?:\{%-?\s*endcomment\s*-?%\}|\Z)"),
    (DISPLAY, r"\{%-?\s*blocktrans(?:late)?\b.*?(?:\{%-?\s*endblocktrans(?:late)?\s*-?%\}|\Z)"),
    (DISPLAY, r"\{%-?\s*trans(?:late)?\s.*?%\}"),
    (CODE, r"\{%.*?%\}|\{\{.*?\}\}"),
]
_MAKO_REGIONS: list[tuple[RegionKind, str]] = [
    (COMMENT, r"<%doc>.*?(?:</%doc>|\Z)"),
    (COMMENT, r"^[ \t]*\#\#[^\n]*"),
    (CODE, r"</?%(?!doc\b)[A-Za-z][^>]*>"),
    (CODE, r"\$\{(?:[^{}]|\{[^{}]*\})*\}"),
    (CODE, r"<%!?.*?(?:%>|\Z)"),
    (CODE, r"^[ \t]*%(?!>)[^\n]*"),
]
_UNDERSCORE_REGIONS: list[tuple[RegionKind, str]] = [
    (CODE, r"<%[=\-]?.*?(?:%>|\Z)"),
]

_MAKO_SIGNS = re.compile(
    r"<%(?:page|inherit|namespace|def|block|include|!)|\$\{|^[ \t]*%[ \t]*(?:if|for|endif|endfor)\b", re.M
)


def _compile(regions: list[tuple[RegionKind, str]]) -> tuple[re.Pattern[str], list[RegionKind]]:
    pattern = "|".join(f"(?P<r{index}>{region})" for index, (_, region) in enumerate(regions))
    return re.compile(pattern, re.DOTALL | re.MULTILINE), [kind for kind, _ in regions]


_FLAVOURS: dict[Flavour, tuple[re.Pattern[str], list[RegionKind]]] = {
    "django": _compile(_COMMON_REGIONS + _DJANGO_REGIONS),
    "mako": _compile(_COMMON_REGIONS + _MAKO_REGIONS + _DJANGO_REGIONS),
    "underscore": _compile(_COMMON_REGIONS + _UNDERSCORE_REGIONS),
}


def template_flavour(relative_path: str, text: str) -> Flavour:
    """Return which template language a file uses: ``mako``, ``underscore`` or ``django`` (plain HTML too)."""
    if relative_path.endswith(".mako"):
        return "mako"
    if relative_path.endswith(".underscore"):
        return "underscore"
    if _MAKO_SIGNS.search(text):
        return "mako"
    return "underscore" if "<%" in text else "django"


def template_regions(flavour: Flavour, text: str) -> list[Region]:
    """Return ``(start, end, kind, match)`` for each comment, translated, code and script region of a template."""
    pattern, kinds = _FLAVOURS[flavour]
    # Each alternative is a group named "r<index of its region>": every match names one.
    return [
        (match.start(), match.end(), kinds[int(group[1:])], match)
        for match in pattern.finditer(text)
        if (group := match.lastgroup) is not None
    ]


# JSON: the key path of every string.

_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:,]|[^\s{}\[\]:,"]+', re.DOTALL)


@dataclass
class _JsonContainer:
    """An object or array of a JSON document being read: its current key, and whether a key comes next."""

    is_object: bool
    key: str | None = None
    expecting_key: bool = False


def json_string_paths(text: str, offsets: Sequence[int]) -> list[tuple[str, ...]]:
    """Return, for each offset (in ascending order) of a valid JSON document, the key path of the string holding it.

    A key's path ends with itself; an offset outside any string has the empty path. Only the strings that hold an
    offset build a path, so the time grows with the document and the offsets, never with their product.
    """
    paths: list[tuple[str, ...]] = []
    containers: list[_JsonContainer] = []
    for match in _JSON_TOKEN.finditer(text):
        if len(paths) == len(offsets):
            break
        while len(paths) < len(offsets) and offsets[len(paths)] < match.start():
            paths.append(())
        token = match.group()
        container = containers[-1] if containers else None
        if token in "{[":
            containers.append(_JsonContainer(is_object=token == "{", expecting_key=token == "{"))
        elif token in "}]":
            containers.pop()
        elif token == ":" and container:
            container.expecting_key = False
        elif token == "," and container and container.is_object:
            container.expecting_key = True
        elif token.startswith('"'):
            is_key = container is not None and container.is_object and container.expecting_key
            if is_key and container is not None:
                container.key = json.loads(token)
            while len(paths) < len(offsets) and offsets[len(paths)] < match.end():
                paths.append(_json_path(containers))
    paths.extend(() for _ in range(len(offsets) - len(paths)))
    return paths


def _json_path(containers: Sequence[_JsonContainer]) -> tuple[str, ...]:
    """Return the key path of a string in the innermost container: its key's when the container is an object."""
    keys = [outer.key for outer in containers[:-1] if outer.is_object and outer.key is not None]
    innermost = containers[-1] if containers else None
    if innermost is not None and innermost.is_object and innermost.key is not None:
        keys.append(innermost.key)
    return tuple(keys)


# INI and TOML: the section and key of every line.

_INI_SECTION = re.compile(r"^\s*\[([^\]]+)\]")
_INI_KEY = re.compile(r"^([^\s#;=:][^=:]*?)\s*[=:]")
_TOML_TABLE = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?")
_TOML_KEY = re.compile(r"""^\s*([A-Za-z0-9_"'.-]+?)\s*=""")


def ini_keys_by_line(line_index: LineIndex) -> list[tuple[str, str | None]]:
    """Return, for each line of an INI file, its section and the key whose value it holds."""
    return _keys_by_line(line_index, _INI_SECTION, _INI_KEY, continuation=lambda line: line[:1] in (" ", "\t"))


def toml_keys_by_line(line_index: LineIndex) -> list[tuple[str, str | None]]:
    """Return, for each line of a TOML file, its table and the key whose value it holds."""
    return _keys_by_line(line_index, _TOML_TABLE, _TOML_KEY, continuation=lambda line: True)


def _keys_by_line(
    line_index: LineIndex,
    section_pattern: re.Pattern[str],
    key_pattern: re.Pattern[str],
    continuation: Callable[[str], bool],
) -> list[tuple[str, str | None]]:
    """Return, for each line, its section and the key whose value it holds (values may span lines)."""
    keys: list[tuple[str, str | None]] = []
    section: str = ""
    key: str | None = None
    for number in range(1, len(line_index.starts) + 1):
        line = line_index.line_text(number)
        section_match = section_pattern.match(line)
        key_match = key_pattern.match(line)
        if section_match:
            section, key = section_match.group(1).strip(), None
        elif key_match:
            key = key_match.group(1).strip()
        elif line.strip() and not continuation(line):
            key = None
        keys.append((section, key))
    return keys


# Makefiles: rules, assignments and continued lines.

MAKE_ASSIGNMENT = re.compile(r"^\s*(?:export\s+|override\s+)?([A-Za-z_][\w.-]*)\s*(?:[:+?!]?=)")
_MAKE_TARGET = re.compile(r"^([^\s#:=][^:=]*?)\s*::?(?!=)")


def make_rules_by_line(lines: Sequence[str]) -> list[str | None]:
    """Return, for each line, the targets of the rule whose recipe it belongs to (or None)."""
    rules: list[str | None] = []
    current: str | None = None
    continued = False
    for line in lines:
        if not continued and not line.startswith("\t") and line.strip() and not line.lstrip().startswith("#"):
            if MAKE_ASSIGNMENT.match(line):
                current = None
            else:
                target = _MAKE_TARGET.match(line)
                current = target.group(1) if target else current
        rules.append(current)
        continued = line.endswith("\\")
    return rules


def make_statement_starts(lines: Sequence[str]) -> list[int]:
    """Return, for each line, the 1-based number of the line where its backslash-continued statement starts."""
    starts: list[int] = []
    for index in range(len(lines)):
        starts.append(starts[-1] if index and lines[index - 1].endswith("\\") else index + 1)
    return starts


def make_logical_line(lines: Sequence[str], number: int) -> str:
    """Join the backslash-continued physical lines around the 1-based line ``number``."""
    first = number
    while first > 1 and lines[first - 2].endswith("\\"):
        first -= 1
    last = number
    while last < len(lines) and lines[last - 1].endswith("\\"):
        last += 1
    return " ".join(line.rstrip("\\") for line in lines[first - 1 : last])
