"""A lenient tokenizer for JavaScript/TypeScript and for Python-like code that may not parse."""

import re
from typing import NamedTuple

COMMENT = "comment"
STRING = "string"
NAME = "name"
NUMBER = "number"
OPERATOR = "op"

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


def tokenize_code(text, *, python=False, stop_after=None):
    """Return the tokens of ``text``, up to a little past ``stop_after`` when given.

    Unterminated strings and comments end at the line or file end.
    """
    tokens = []
    length = len(text) if stop_after is None else min(len(text), stop_after + _LOOKAHEAD_CHARACTERS)
    if python:
        _tokenize_python(text, tokens, length)
    else:
        _tokenize_js(text, 0, tokens, inside_template=False, length=length)
    return tokens


def _tokenize_python(text, tokens, length):
    for match in _PYTHON_TOKEN.finditer(text):
        if match.start() >= length:
            break
        kind = match.lastgroup
        if kind != "space":
            tokens.append(Token(kind, match.start(), match.end()))


def _tokenize_js(text, position, tokens, *, inside_template, length):
    """Tokenize from ``position``; inside a template's ``${`` stop after the matching ``}`` and return there."""
    depth = 0
    while position < length:
        match = _JS_TOKEN.match(text, position)
        kind = match.lastgroup
        if kind == "template":
            position = _template_literal(text, match.end(), tokens, length)
            continue
        if kind == "op" and match.group() == "/" and _regex_may_start(text, tokens):
            literal = _JS_REGEX_LITERAL.match(text, position)
            if literal:
                tokens.append(Token(STRING, literal.start(), literal.end()))
                position = literal.end()
                continue
        if inside_template and kind == "op":
            if match.group() == "{":
                depth += 1
            elif match.group() == "}":
                if depth == 0:
                    return match.end()
                depth -= 1
        if kind != "space":
            tokens.append(Token(kind, match.start(), match.end()))
        position = match.end()
    return position


def _template_literal(text, position, tokens, length):
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


def _regex_may_start(text, tokens):
    previous = next((token for token in reversed(tokens) if token.kind != COMMENT), None)
    if previous is None:
        return True
    previous_text = text[previous.start : previous.end]
    if previous.kind in (NAME, NUMBER, STRING):
        return previous.kind == NAME and previous_text in _REGEX_MAY_FOLLOW_KEYWORDS
    return previous_text not in (")", "]", "}")
