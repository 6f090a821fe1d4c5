"""Classify occurrences inside tokenized code from the tokens and brackets around them."""

import bisect

from . import vocabulary
from .codetokens import COMMENT, NAME, NUMBER, STRING
from .findings import Category, Placement

_OPENERS = {"(": ")", "[": "]", "{": "}"}
_CLOSERS = frozenset(_OPENERS.values())
# Punctuation that can sit between words of JSX text without ending it.
_JSX_TEXT_PUNCTUATION = frozenset({",", ".", "!", "?", ":", ";", "-", "&", "(", ")"})


def _logic(detail):
    return Placement(Category.LOGIC, detail, in_code=True)


def _display(detail):
    return Placement(Category.DISPLAY_STRING, detail, in_code=True)


class TokenContext:
    """Answers, for a character offset in tokenized code, which category the occurrence there belongs to."""

    def __init__(self, text, tokens, *, display_calls, python=False, jsx=False):
        self.text = text
        self.tokens = tokens
        self.token_starts = [token.start for token in tokens]
        self.code = [token for token in tokens if token.kind != COMMENT]
        self.code_starts = [token.start for token in self.code]
        self.display_calls = display_calls
        self.python = python
        self.jsx = jsx

    def classify(self, offsets):
        """Return a ``Placement`` for each character offset, in order."""
        indexes = [self._code_index(offset) for offset in offsets]
        stacks = self._bracket_stacks({index for index in indexes if index is not None})
        placements = []
        for offset, index in zip(offsets, indexes, strict=True):
            token = self._token_at(offset)
            if token is not None and token.kind == COMMENT:
                placements.append(Placement(Category.COMMENT, "comment"))
            elif index is None:
                placements.append(_logic("reference"))
            else:
                placements.append(self._classify_code(index, stacks[index]))
        return placements

    def _token_at(self, offset):
        position = bisect.bisect_right(self.token_starts, offset) - 1
        if position >= 0 and offset < self.tokens[position].end:
            return self.tokens[position]
        return None

    def _code_index(self, offset):
        position = bisect.bisect_right(self.code_starts, offset) - 1
        if position >= 0 and offset < self.code[position].end:
            return position
        return None

    def _bracket_stacks(self, wanted):
        """Return, for each wanted code-token index, the indexes of the brackets open around it."""
        stacks = {}
        stack = []
        last = max(wanted, default=-1)
        for index in range(last + 1):
            if index in wanted:
                stacks[index] = tuple(stack)
            text = self._text(index)
            if text in _OPENERS:
                stack.append(index)
            elif text in _CLOSERS and stack:
                stack.pop()
        return stacks

    def _text(self, index):
        if 0 <= index < len(self.code):
            token = self.code[index]
            return self.text[token.start : token.end]
        return ""

    def _classify_code(self, index, stack):
        verdict = (
            self._neighbour_verdict(index, stack)
            or next(filter(None, (self._bracket_verdict(opener) for opener in reversed(stack))), None)
            or self._trailing_verdict(index, stack)
        )
        return verdict or _logic("reference")

    def _neighbour_verdict(self, index, stack):
        """Judge from the tokens right around the name: docstrings, message fields and operators."""
        previous, following = self._text(index - 1), self._text(index + 1)
        if self.python and self.code[index].kind == STRING and self._starts_statement(index, stack):
            return Placement(Category.COMMENT, "docstring")
        if previous in (":", "=") and self._text(index - 2) in vocabulary.MESSAGE_FIELDS:
            return _display("message descriptor")
        detail = self._operator_detail(previous, following)
        return _logic(detail) if detail else None

    def _operator_detail(self, previous, following):
        if previous in vocabulary.COMPARISON_OPERATORS or following in vocabulary.COMPARISON_OPERATORS:
            return "comparison"
        if previous == "case":
            return "match case" if self.python else "switch case"
        if "in" in (previous, following):
            return "membership test"
        return None

    def _bracket_verdict(self, opener):
        """Judge from an enclosing bracket: a gettext-style call, a lookup call, a subscript, an ``in`` test."""
        bracket, before = self._text(opener), self._text(opener - 1)
        if before == "in":
            return _logic("membership test")
        if bracket == "(" and opener > 0 and self.code[opener - 1].kind == NAME:
            if before in self.display_calls:
                return _display(f"{before}() call")
            detail = vocabulary.call_detail(before)
            return _logic(detail) if detail else None
        if bracket == "[" and self._is_subscript(opener):
            return _logic("subscript")
        return None

    def _trailing_verdict(self, index, stack):
        """Judge from what follows or surrounds the name: flag reads, JSX text, mapping keys."""
        following = self._text(index + 1)
        if following == "." and self._text(index + 2) in vocabulary.FLAG_READ_METHODS:
            return _logic("flag read")
        if self.jsx and self._in_jsx_text(index):
            return _display("JSX text")
        if following == ":" and stack and self._text(stack[-1]) == "{":
            return _logic("mapping key")
        return None

    def _is_subscript(self, opener):
        if opener == 0:
            return False
        token, text = self.code[opener - 1], self._text(opener - 1)
        if token.kind == NAME:
            return text not in vocabulary.KEYWORDS
        return token.kind == STRING or text in (")", "]", "?.")

    def _starts_statement(self, index, stack):
        if index == 0:
            return True
        previous = self.code[index - 1]
        if "\n" not in self.text[previous.end : self.code[index].start]:
            return False
        # After a block's colon even a broken file's unclosed bracket does not hide a docstring.
        return self._text(index - 1) == ":" or (not stack and self._text(index - 1) != "\\")

    def _in_jsx_text(self, index):
        return self._jsx_text_edge(index, -1) == ">" and self._jsx_text_edge(index, 1) in ("<", "{")

    def _jsx_text_edge(self, index, step):
        """Walk over the words and punctuation of JSX text and return the first token that ends it."""
        index += step
        while 0 <= index < len(self.code):
            text = self._text(index)
            if self.code[index].kind not in (NAME, NUMBER) and text not in _JSX_TEXT_PUNCTUATION:
                return text
            index += step
        return ""
