"""Classify each occurrence by what surrounds it: Python's syntax tree, code tokens, template regions, data keys."""

import ast
import bisect
import itertools
import json
import re
import sys
import tokenize
from collections.abc import Callable, Sequence
from typing import NamedTuple

from . import tokens as t
from .findings import Category, Classified, Placement
from .reading import FULL_PARSE_LIMIT, Hit, LineIndex
from .walk import FileKind, is_test_path

# gettext and its variants, and edx's Text() wrapper around translated text.
PYTHON_DISPLAY_CALLS = frozenset(
    {
        "_",
        "gettext",
        "ugettext",
        "gettext_lazy",
        "ugettext_lazy",
        "gettext_noop",
        "ugettext_noop",
        "ngettext",
        "ungettext",
        "ngettext_lazy",
        "ungettext_lazy",
        "pgettext",
        "pgettext_lazy",
        "npgettext",
        "npgettext_lazy",
        "Text",
    }
)
# edx-platform's JavaScript gettext, and react-intl's message APIs used by the MFEs.
SCRIPT_DISPLAY_CALLS = frozenset(
    {"_", "gettext", "ngettext", "pgettext", "npgettext", "formatMessage", "defineMessages", "defineMessage", "Text"}
)
TEMPLATE_DISPLAY_CALLS = PYTHON_DISPLAY_CALLS | SCRIPT_DISPLAY_CALLS
# Fields of react-intl message descriptors, in objects and as JSX attributes of <FormattedMessage>.
MESSAGE_FIELDS = frozenset({"defaultMessage", "description"})

COMPARISON_OPERATORS = frozenset({"==", "!=", "===", "!==", "is"})
MEMBERSHIP_CALLS = frozenset({"includes", "indexOf", "has", "contains", "__contains__"})
LOOKUP_CALLS = frozenset(
    {"get", "pop", "setdefault", "getattr", "hasattr", "hasOwnProperty", "getItem", "__getitem__", "getIn"}
)
FLAG_READ_METHODS = frozenset({"is_enabled", "is_disabled", "is_enabled_without_course_context", "isEnabled"})
FLAG_READ_FUNCTIONS = frozenset({"flag_is_active", "switch_is_active", "sample_is_active"})
FLAG_CLASS_SUFFIXES = ("WaffleFlag", "WaffleSwitch", "Toggle")
_CALL_DETAILS = (
    dict.fromkeys(MEMBERSHIP_CALLS, "membership test")
    | dict.fromkeys(LOOKUP_CALLS, "lookup")
    | dict.fromkeys(FLAG_READ_FUNCTIONS, "flag read")
)

# setup() keywords whose strings are requirements or plugin registrations.
SETUP_DEPENDENCY_KEYWORDS = frozenset(
    {"install_requires", "extras_require", "tests_require", "setup_requires", "entry_points"}
)

# Words that open a statement, so a bracket after them is not a call or subscript.
KEYWORDS = frozenset(
    {
        "and",
        "await",
        "case",
        "elif",
        "else",
        "for",
        "if",
        "in",
        "is",
        "lambda",
        "not",
        "of",
        "or",
        "return",
        "typeof",
        "while",
        "with",
        "yield",
    }
)

# A string of this many words is a sentence: a name in it is prose (a message, help text), not a value.
SENTENCE_WORDS = 3

# A code file over FULL_PARSE_LIMIT is classified one occurrence at a time, from the tokens of a window around
# it: the memory a file costs then grows with its size alone, never with a syntax tree or a whole token list.
_WINDOW_BEFORE = 2048
_WINDOW_AFTER = 512
_WINDOWED_NOTE = "over 1 MiB; classified from the code around each occurrence, to bound memory"


def classify(kind: FileKind, relative: str, text: str, hits: Sequence[Hit], line_index: LineIndex) -> Classified:
    """Return a ``Classified`` with one ``Placement`` per hit of a file of ``kind`` at ``relative``."""
    # Tests may keep mock backends and old flag names; that is informational wherever they occur.
    if is_test_path(relative):
        return _uniform(hits, Category.TEST, "test code")
    if len(text) > FULL_PARSE_LIMIT and kind in (FileKind.PYTHON, FileKind.SETUP_PY, FileKind.SCRIPT):
        return _classify_in_windows(kind, relative, text, hits)
    return _CLASSIFIERS[kind](relative, text, hits, line_index)


def call_detail(callee: str | None) -> str | None:
    """Return how a call uses a name passed to it ("lookup", "flag read"...), or None when the call says nothing."""
    if not callee:
        return None
    if callee.endswith(FLAG_CLASS_SUFFIXES):
        return "flag construction"
    return _CALL_DETAILS.get(callee)


def is_prose(text: str, *, spans_lines: bool) -> bool:
    """Return whether a string literal reads as prose: it spans lines or holds a sentence's worth of words."""
    return spans_lines or len(text.split()) >= SENTENCE_WORDS


def _logic(detail: str) -> Placement:
    return Placement(Category.LOGIC, detail, in_code=True)


def _display(detail: str) -> Placement:
    return Placement(Category.DISPLAY_STRING, detail, in_code=True)


def _comment(detail: str = "comment") -> Placement:
    return Placement(Category.COMMENT, detail)


def _config(detail: str) -> Placement:
    return Placement(Category.CONFIG, detail)


def _dependency(detail: str) -> Placement:
    return Placement(Category.DEPENDENCY, detail)


# A name in a sentence is text for people whatever the code does with the string; only a string that is the
# name alone (compared, a default, a value passed on) is logic.
_PROSE = _display("prose string")


def _uniform(hits: Sequence[Hit], category: Category, detail: str) -> Classified:
    return Classified([Placement(category, detail)] * len(hits))


def _classify_in_windows(kind: FileKind, relative: str, text: str, hits: Sequence[Hit]) -> Classified:
    python = kind in (FileKind.PYTHON, FileKind.SETUP_PY)
    placements: list[Placement] = []
    for hit in hits:
        start = max(0, hit.start - _WINDOW_BEFORE)
        # Start at a line's beginning when the window holds one, so the tokenizer starts outside any token.
        line_start = text.find("\n", start, hit.start)
        start = line_start + 1 if line_start != -1 else start
        window = text[start : hit.end + _WINDOW_AFTER]
        tokens = t.tokenize_code(window, python=python, stop_after=hit.end - start)
        context = TokenContext(
            window,
            tokens,
            display_calls=PYTHON_DISPLAY_CALLS if python else SCRIPT_DISPLAY_CALLS,
            python=python,
            jsx=not python and relative.endswith((".js", ".jsx", ".tsx")),
        )
        placements.extend(context.classify([hit.start - start]))
    return Classified(placements, parse="fallback", note=_WINDOWED_NOTE)


# Python: from the syntax tree, or from code tokens when the file does not parse.


def classify_python(text: str, hits: Sequence[Hit], line_index: LineIndex, *, setup_py: bool = False) -> Classified:
    """Return a ``Classified`` for the hits of a Python file; ``setup_py`` marks setup() requirements."""
    try:
        in_comment = _hits_in_comments(text, hits, line_index)
        # Comments need no tree: a file whose hits are all comments is never parsed, an empty module stands in.
        tree = ast.parse(text) if len(in_comment) < len(hits) else ast.Module(body=[], type_ignores=[])
    except (SyntaxError, ValueError, tokenize.TokenError) as error:
        return _classify_with_patterns(text, hits, _describe(error))
    # Python's parser gives up on deep nesting (a "+ a" chain of 20,000 terms, 100,000 unary minus signs):
    # RecursionError, or MemoryError "Parser stack overflowed". The tokens still tell where each name sits.
    except (RecursionError, MemoryError):
        return _classify_with_patterns(text, hits, _too_deep("Python"))
    tree_context = _TreeContext(tree, setup_py=setup_py)
    placements = []
    for index, hit in enumerate(hits):
        if index in in_comment:
            placements.append(_comment())
            continue
        # The tree counts columns in UTF-8 bytes, hits in characters (the same for ASCII: a flag, read at no cost).
        line_text = line_index.line_text(hit.line)
        byte_column = hit.column - 1 if line_text.isascii() else len(line_text[: hit.column - 1].encode("utf-8"))
        placements.append(tree_context.classify((hit.line, byte_column)))
    return Classified(placements)


def _hits_in_comments(text: str, hits: Sequence[Hit], line_index: LineIndex) -> set[int]:
    """Return the indexes of the hits inside comments, from the tokens up to the last line that may hold one."""
    # A hit can only be in a comment when a "#" precedes it on its line; most hits settle without tokenizing.
    first_hash: dict[int, int] = {}
    for hit in hits:
        if hit.line not in first_hash:
            first_hash[hit.line] = line_index.line_text(hit.line).find("#")
    candidates = [index for index, hit in enumerate(hits) if -1 < first_hash[hit.line] < hit.column - 1]
    if not candidates:
        return set()
    comment_columns = t.python_comment_columns(text, last_line=max(hits[index].line for index in candidates))
    return {
        index
        for index in candidates
        if hits[index].line in comment_columns and hits[index].column - 1 >= comment_columns[hits[index].line]
    }


def _too_deep(language: str) -> str:
    # Which error, and its words, depend on the Python version: the note says what the operator needs.
    return f"nested too deeply to parse as {language}; classified with line patterns"


def _describe(error: SyntaxError | ValueError | tokenize.TokenError) -> str:
    line = getattr(error, "lineno", None)
    message = getattr(error, "msg", None) or str(error)
    return f"does not parse as Python ({message}{f', line {line}' if line else ''}); classified with line patterns"


def _classify_with_patterns(text: str, hits: Sequence[Hit], reason: str) -> Classified:
    tokens = t.tokenize_code(text, python=True, stop_after=hits[-1].end)
    context = TokenContext(text, tokens, display_calls=PYTHON_DISPLAY_CALLS, python=True)
    return Classified(context.classify([hit.start for hit in hits]), parse="fallback", note=reason)


# The nodes that carry a position in the source; type parameters (PEP 695) exist from Python 3.12 on.
_POSITIONED_3_11 = (ast.expr, ast.stmt, ast.excepthandler, ast.arg, ast.keyword, ast.alias, ast.pattern)
if sys.version_info >= (3, 12):
    _POSITIONED = (*_POSITIONED_3_11, ast.type_param)
else:
    _POSITIONED = _POSITIONED_3_11


Point = tuple[int, int]


def _span(node: ast.AST) -> tuple[Point, Point] | None:
    """Return where a node starts and ends in the source, or None for a node without a position."""
    if isinstance(node, _POSITIONED) and node.end_lineno is not None and node.end_col_offset is not None:
        start = (node.lineno, node.col_offset)
        # A definition's position starts at "def" or "class", after its decorators.
        for decorator in getattr(node, "decorator_list", ()):
            start = min(start, (decorator.lineno, decorator.col_offset))
        return start, (node.end_lineno, node.end_col_offset)
    return None


def _covers(node: ast.AST, point: Point) -> bool:
    span = _span(node)
    if span is not None:
        return span[0] <= point < span[1]
    # Nodes without a position (arguments, comprehensions, match cases) cover what their children cover.
    return any(_covers(child, point) for child in ast.iter_child_nodes(node))


# A node with more children than this (a module's statements, a long list or dict literal) is searched by
# bisection: finding the node of every name then takes time linear in the names, not in names times statements.
_BISECT_FROM = 8


class _SortedChildren(NamedTuple):
    """A node's children with a position, in source order and disjoint, with their starts; and the others."""

    starts: list[Point]
    positioned: list[ast.AST]
    others: list[ast.AST]

    @classmethod
    def of(cls, node: ast.AST) -> "_SortedChildren | None":
        """Return the children of ``node`` sorted, or None when they overlap (then each one is asked in turn)."""
        spans: list[tuple[Point, Point, ast.AST]] = []
        others: list[ast.AST] = []
        for child in ast.iter_child_nodes(node):
            span = _span(child)
            if span is None:
                others.append(child)
            else:
                spans.append((*span, child))
        spans.sort(key=lambda entry: entry[0])
        if any(previous[1] > following[0] for previous, following in itertools.pairwise(spans)):
            return None
        return cls([start for start, _, _ in spans], [child for _, _, child in spans], others)

    def covering(self, point: Point) -> ast.AST | None:
        """Return the child covering ``point``: disjoint, at most one positioned child can."""
        position = bisect.bisect_right(self.starts, point) - 1
        if position >= 0 and _covers(self.positioned[position], point):
            return self.positioned[position]
        return next((child for child in self.others if _covers(child, point)), None)


def _child_covering(node: ast.AST, point: Point) -> ast.AST | None:
    children = list(ast.iter_child_nodes(node))
    if isinstance(node, ast.JoinedStr):
        # Before Python 3.12 every part of an f-string spans the whole f-string; only the expressions of its
        # placeholders have their own positions. Code in a placeholder is code, the rest the f-string's text.
        placeholder = next(
            (part for part in children if isinstance(part, ast.FormattedValue) and _covers(part.value, point)), None
        )
        text = next((part for part in children if isinstance(part, ast.Constant) and _covers(part, point)), None)
        if placeholder or text:
            return placeholder or text
    return next((child for child in children if _covers(child, point)), None)


def _callee(function: ast.expr) -> str | None:
    if isinstance(function, ast.Name):
        return function.id
    if isinstance(function, ast.Attribute):
        return function.attr
    return None


def _syntax_detail(parent: ast.AST, child: ast.AST) -> str | None:
    """Return how the syntax around a name decides behaviour (comparison, subscript...), or None."""
    if isinstance(parent, ast.Compare):
        membership = any(isinstance(operator, ast.In | ast.NotIn) for operator in parent.ops)
        return "membership test" if membership else "comparison"
    if isinstance(parent, ast.Subscript) and child is parent.slice:
        return "subscript"
    if isinstance(child, ast.pattern):
        return "match case"
    if isinstance(parent, ast.Attribute) and child is parent.value and parent.attr in FLAG_READ_METHODS:
        return "flag read"
    return None


def _string_literal(chain: Sequence[ast.AST]) -> ast.Constant | ast.JoinedStr | None:
    """Return the string literal the innermost node is (the whole f-string for a piece of one), or None."""
    node = chain[-1]
    if not isinstance(node, ast.JoinedStr) and not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
        return None
    return chain[-2] if len(chain) > 1 and isinstance(chain[-2], ast.JoinedStr) else node


def _is_prose_literal(literal: ast.Constant | ast.JoinedStr) -> bool:
    # Both hold strings (see _string_literal): str() only tells the type checker so.
    if isinstance(literal, ast.Constant):
        text = str(literal.value)
    else:
        # An f-string's placeholders count as words.
        text = "".join(str(part.value) if isinstance(part, ast.Constant) else "{}" for part in literal.values)
    spans_lines = literal.end_lineno is not None and literal.end_lineno > literal.lineno
    return is_prose(text, spans_lines=spans_lines)


class _TreeContext:
    """Classifies a point of a parsed module from the chain of nodes that contain it."""

    def __init__(self, tree: ast.Module, *, setup_py: bool) -> None:
        self.tree = tree
        self.setup_py = setup_py
        # By id(): the tree holds every node for as long as this context lives.
        self._sorted: dict[int, _SortedChildren | None] = {}

    def classify(self, point: Point) -> Placement:
        """Return the ``Placement`` of the name at ``point``, a (line, UTF-8 byte column) pair."""
        chain = self._chain(point)
        statement_index = max(index for index, node in enumerate(chain) if isinstance(node, ast.stmt | ast.Module))
        statement = chain[statement_index]
        if self._is_string_statement(statement, chain, statement_index):
            return _comment("docstring")
        placement = self._placement(chain, statement_index)
        if placement.category is Category.LOGIC:
            literal = _string_literal(chain)
            if literal is not None and _is_prose_literal(literal):
                return _PROSE
        return placement

    def _placement(self, chain: list[ast.AST], statement_index: int) -> Placement:
        for index in range(len(chain) - 1, statement_index, -1):
            verdict = self._verdict(chain[index - 1], chain[index])
            if verdict:
                return verdict
        return _logic(self._detail(chain, statement_index))

    def _chain(self, point: Point) -> list[ast.AST]:
        """Return the nodes from the module down to the innermost one covering ``point``."""
        chain: list[ast.AST] = [self.tree]
        while True:
            child = self._child_covering(chain[-1], point)
            if child is None:
                return chain
            chain.append(child)

    def _child_covering(self, node: ast.AST, point: Point) -> ast.AST | None:
        if isinstance(node, ast.JoinedStr):
            return _child_covering(node, point)
        key = id(node)
        if key not in self._sorted:
            children = list(ast.iter_child_nodes(node))
            self._sorted[key] = _SortedChildren.of(node) if len(children) > _BISECT_FROM else None
        sorted_children = self._sorted[key]
        return sorted_children.covering(point) if sorted_children else _child_covering(node, point)

    @staticmethod
    def _is_string_statement(statement: ast.AST, chain: list[ast.AST], statement_index: int) -> bool:
        # Docstrings, and bare strings used as comments, are expression statements of a lone string.
        return (
            isinstance(statement, ast.Expr)
            and isinstance(statement.value, ast.Constant)
            and isinstance(statement.value.value, str)
            and len(chain) > statement_index + 1
        )

    def _verdict(self, parent: ast.AST, child: ast.AST) -> Placement | None:
        detail = _syntax_detail(parent, child)
        if detail:
            return _logic(detail)
        if isinstance(parent, ast.Call) and child is not parent.func:
            return self._call_verdict(parent, child)
        if self.setup_py:
            return self._setup_verdict(parent, child)
        return None

    def _call_verdict(self, call: ast.Call, child: ast.AST) -> Placement | None:
        callee = _callee(call.func)
        if callee in PYTHON_DISPLAY_CALLS:
            return _display(f"{callee}() call")
        detail = call_detail(callee)
        if detail:
            return _logic(detail)
        if self.setup_py and callee == "setup" and isinstance(child, ast.keyword):
            if child.arg in SETUP_DEPENDENCY_KEYWORDS:
                return _dependency(f"setup({child.arg}=...)")
            return _config("package metadata")
        return None

    @staticmethod
    def _setup_verdict(parent: ast.AST, child: ast.AST) -> Placement | None:
        # setup.py often builds its requirement lists in variables before passing them to setup().
        if isinstance(parent, ast.Assign | ast.AnnAssign) and child is parent.value:
            targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
            names = [target.id.lower() for target in targets if isinstance(target, ast.Name)]
            if any("require" in name or "depend" in name for name in names):
                return _dependency("requirement list")
        return None

    @staticmethod
    def _detail(chain: list[ast.AST], statement_index: int) -> str:
        innermost = chain[-1]
        if isinstance(innermost, ast.alias) or isinstance(chain[statement_index], ast.Import | ast.ImportFrom):
            return "import"
        if isinstance(innermost, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.arg):
            return "definition"
        if len(chain) > 1 and isinstance(chain[-2], ast.Dict) and innermost in chain[-2].keys:
            return "mapping key"
        if isinstance(chain[statement_index], ast.Assign | ast.AnnAssign) and statement_index == 1:
            return "declaration"
        return "reference"


# JavaScript/TypeScript, and code in templates: from the tokens and brackets around each name.


def _classify_script(relative: str, text: str, hits: Sequence[Hit]) -> Classified:
    # React code puts JSX in .js files as well as in .jsx and .tsx ones.
    jsx = relative.endswith((".js", ".jsx", ".tsx"))
    tokens = t.tokenize_code(text, stop_after=hits[-1].end)
    context = TokenContext(text, tokens, display_calls=SCRIPT_DISPLAY_CALLS, jsx=jsx)
    return Classified(context.classify([hit.start for hit in hits]))


_OPENERS = {"(": ")", "[": "]", "{": "}"}
_CLOSERS = frozenset(_OPENERS.values())
# Punctuation that can sit between words of JSX text without ending it.
_JSX_TEXT_PUNCTUATION = frozenset({",", ".", "!", "?", ":", ";", "-", "&", "(", ")"})


class TokenContext:
    """Answers, for a character offset in tokenized code, which category the occurrence there belongs to."""

    def __init__(
        self,
        text: str,
        tokens: list[t.Token],
        *,
        display_calls: frozenset[str],
        python: bool = False,
        jsx: bool = False,
    ) -> None:
        self.text = text
        self.tokens = tokens
        self.token_starts = [token.start for token in tokens]
        self.code = [token for token in tokens if token.kind != t.COMMENT]
        self.code_starts = [token.start for token in self.code]
        self.display_calls = display_calls
        self.python = python
        self.jsx = jsx

    def classify(self, offsets: Sequence[int]) -> list[Placement]:
        """Return a ``Placement`` for each character offset, in order."""
        indexes = [self._code_index(offset) for offset in offsets]
        stacks = self._bracket_stacks({index for index in indexes if index is not None})
        placements: list[Placement] = []
        for offset, index in zip(offsets, indexes, strict=True):
            token = self._token_at(offset)
            if token is not None and token.kind == t.COMMENT:
                placements.append(_comment())
            elif index is None:
                placements.append(_logic("reference"))
            else:
                placements.append(self._classify_code(index, stacks[index]))
        return placements

    def _token_at(self, offset: int) -> t.Token | None:
        position = bisect.bisect_right(self.token_starts, offset) - 1
        if position >= 0 and offset < self.tokens[position].end:
            return self.tokens[position]
        return None

    def _code_index(self, offset: int) -> int | None:
        position = bisect.bisect_right(self.code_starts, offset) - 1
        if position >= 0 and offset < self.code[position].end:
            return position
        return None

    def _bracket_stacks(self, wanted: set[int]) -> dict[int, tuple[int, ...]]:
        """Return, for each wanted code-token index, the indexes of the brackets open around it."""
        stacks: dict[int, tuple[int, ...]] = {}
        stack: list[int] = []
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

    def _text(self, index: int) -> str:
        if 0 <= index < len(self.code):
            token = self.code[index]
            return self.text[token.start : token.end]
        return ""

    def _classify_code(self, index: int, stack: tuple[int, ...]) -> Placement:
        verdict = (
            self._neighbour_verdict(index, stack)
            or next(filter(None, (self._bracket_verdict(opener) for opener in reversed(stack))), None)
            or self._trailing_verdict(index, stack)
            or _logic("reference")
        )
        if verdict.category is Category.LOGIC and self.code[index].kind == t.STRING:
            text = self._text(index)
            if is_prose(text, spans_lines="\n" in text):
                return _PROSE
        return verdict

    def _neighbour_verdict(self, index: int, stack: tuple[int, ...]) -> Placement | None:
        """Judge from the tokens right around the name: docstrings, message fields and operators."""
        previous, following = self._text(index - 1), self._text(index + 1)
        if self.python and self.code[index].kind == t.STRING and self._starts_statement(index, stack):
            return _comment("docstring")
        if previous in (":", "=") and self._text(index - 2) in MESSAGE_FIELDS:
            return _display("message descriptor")
        detail = self._operator_detail(previous, following)
        return _logic(detail) if detail else None

    def _operator_detail(self, previous: str, following: str) -> str | None:
        if previous in COMPARISON_OPERATORS or following in COMPARISON_OPERATORS:
            return "comparison"
        if previous == "case":
            return "match case" if self.python else "switch case"
        if "in" in (previous, following):
            return "membership test"
        return None

    def _bracket_verdict(self, opener: int) -> Placement | None:
        """Judge from an enclosing bracket: a gettext-style call, a lookup call, a subscript, an ``in`` test."""
        bracket, before = self._text(opener), self._text(opener - 1)
        if before == "in":
            return _logic("membership test")
        if bracket == "(" and opener > 0 and self.code[opener - 1].kind == t.NAME:
            if before in self.display_calls:
                return _display(f"{before}() call")
            detail = call_detail(before)
            return _logic(detail) if detail else None
        if bracket == "[" and self._is_subscript(opener):
            return _logic("subscript")
        return None

    def _trailing_verdict(self, index: int, stack: tuple[int, ...]) -> Placement | None:
        """Judge from what follows or surrounds the name: flag reads, JSX text, mapping keys."""
        following = self._text(index + 1)
        if following == "." and self._text(index + 2) in FLAG_READ_METHODS:
            return _logic("flag read")
        if self.jsx and self._in_jsx_text(index):
            return _display("JSX text")
        if following == ":" and stack and self._text(stack[-1]) == "{":
            return _logic("mapping key")
        return None

    def _is_subscript(self, opener: int) -> bool:
        if opener == 0:
            return False
        token, text = self.code[opener - 1], self._text(opener - 1)
        if token.kind == t.NAME:
            return text not in KEYWORDS
        return token.kind == t.STRING or text in (")", "]", "?.")

    def _starts_statement(self, index: int, stack: tuple[int, ...]) -> bool:
        if index == 0:
            return True
        previous = self.code[index - 1]
        if "\n" not in self.text[previous.end : self.code[index].start]:
            return False
        # After a block's colon even a broken file's unclosed bracket does not hide a docstring.
        return self._text(index - 1) == ":" or (not stack and self._text(index - 1) != "\\")

    def _in_jsx_text(self, index: int) -> bool:
        return self._jsx_text_edge(index, -1) == ">" and self._jsx_text_edge(index, 1) in ("<", "{")

    def _jsx_text_edge(self, index: int, step: int) -> str:
        """Walk over the words and punctuation of JSX text and return the first token that ends it."""
        index += step
        while 0 <= index < len(self.code):
            text = self._text(index)
            if self.code[index].kind not in (t.NAME, t.NUMBER) and text not in _JSX_TEXT_PUNCTUATION:
                return text
            index += step
        return ""


# Templates: comments, translated text and code regions, then the markup around the rest.

_TAG_START = re.compile(r"</?[A-Za-z]")
_ATTRIBUTE = re.compile(r"""([^\s=/<>"']+)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)""")
# Attributes whose value a user reads or hears.
_USER_FACING_ATTRIBUTES = frozenset(
    {"title", "alt", "placeholder", "label", "summary", "aria-label", "aria-description", "aria-placeholder"}
)


def classify_template(relative_path: str, text: str, hits: Sequence[Hit]) -> Classified:
    """Return a ``Classified`` for the hits of a template."""
    flavour = t.template_flavour(relative_path, text)
    regions = t.template_regions(flavour, text)
    # The regions follow one another without overlapping: the last one starting at or before a hit is the only
    # one that may hold it.
    region_starts = [region[0] for region in regions]
    contexts: dict[tuple[int, int], TokenContext] = {}
    placements: list[Placement] = []
    for hit in hits:
        position = bisect.bisect_right(region_starts, hit.start) - 1
        region = regions[position] if position >= 0 and hit.start < regions[position][1] else None
        if region is None:
            placements.append(_outside_regions(text, hit.start))
            continue
        start, _, kind, match = region
        if kind == t.COMMENT:
            placements.append(_comment("template comment"))
        elif kind == t.DISPLAY:
            placements.append(Placement(Category.DISPLAY_STRING, "trans tag"))
        else:
            end, python = region[1], flavour != "underscore"
            if kind == t.SCRIPT and match.start("script_body") <= hit.start:
                start, end, python = match.start("script_body"), match.end("script_body"), False
            context = contexts.get((start, end))
            if context is None:
                code = text[start:end]
                context = TokenContext(
                    code,
                    t.tokenize_code(code, python=python),
                    display_calls=TEMPLATE_DISPLAY_CALLS,
                )
                contexts[(start, end)] = context
            placements.append(context.classify([hit.start - start])[0])
    return Classified(placements)


def _outside_regions(text: str, offset: int) -> Placement:
    tag_start = text.rfind("<", 0, offset)
    if tag_start > text.rfind(">", 0, offset) and _TAG_START.match(text, tag_start):
        tag_end = text.find(">", offset)
        tag = text[tag_start : tag_end if tag_end != -1 else len(text)]
        for attribute in _ATTRIBUTE.finditer(tag):
            if attribute.start(2) <= offset - tag_start < attribute.end(2):
                name = attribute.group(1).lower()
                if name in _USER_FACING_ATTRIBUTES:
                    return Placement(Category.DISPLAY_STRING, f"{name} attribute")
                return _logic(f"{name} attribute")
        return _logic("markup")
    return Placement(Category.DISPLAY_STRING, "template text")


# Build files: requirements are dependencies; Makefile lines are installation or translation steps, or logic.

_TRANSLATION_STEP = re.compile(
    r"i18n|makemessages|compilemessages|extract|translat|xgettext|pybabel|msgfmt|msgmerge|\.pot?\b|\blocale\b"
    r"|formatjs|atlas\s+pull|\btx\s+(?:pull|push)",
    re.IGNORECASE,
)
_INSTALL_STEP = re.compile(
    r"\bpip3?\s+install|\bnpm\s+(?:install|ci)\b|\byarn\s+add\b|requirements|constraints|pip-compile|pip-sync",
    re.IGNORECASE,
)


def classify_requirements(hits: Sequence[Hit], line_index: LineIndex) -> Classified:
    """Return a ``Classified``: every requirement line is a dependency, text after `` #`` a comment."""
    placements: list[Placement] = []
    for hit in hits:
        if t.in_line_comment(line_index.line_text(hit.line), hit.column, quotes=""):
            placements.append(_comment())
        else:
            placements.append(_dependency("requirement"))
    return Classified(placements)


def classify_makefile(hits: Sequence[Hit], line_index: LineIndex) -> Classified:
    """Return a ``Classified``: installation and translation-extraction steps are dependencies, other lines logic."""
    lines = [line_index.line_text(number) for number in range(1, len(line_index.starts) + 1)]
    rule_by_line = t.make_rules_by_line(lines)
    statement_starts = t.make_statement_starts(lines)
    # One verdict per statement: a statement continued over many lines is joined and searched once.
    verdicts: dict[int, Placement] = {}
    placements: list[Placement] = []
    for hit in hits:
        line = lines[hit.line - 1]
        if t.in_line_comment(line, hit.column):
            placements.append(_comment())
            continue
        first = statement_starts[hit.line - 1]
        if first not in verdicts:
            verdicts[first] = _make_verdict(t.make_logical_line(lines, first), rule_by_line[first - 1])
        placements.append(verdicts[first])
    return Classified(placements)


def _make_verdict(statement: str, rule: str | None) -> Placement:
    assignment = t.MAKE_ASSIGNMENT.match(statement)
    context = " ".join(filter(None, [statement, rule]))
    if _TRANSLATION_STEP.search(context):
        return _dependency("translation step")
    if _INSTALL_STEP.search(context):
        return _dependency("installation step")
    return _logic(f"make variable {assignment.group(1)}" if assignment else "make recipe")


# Data files: package entries and requirement keys are dependencies, other values configuration.

# Keys whose entries are packages, in package.json, package-lock.json and composer-style files.
_JSON_DEPENDENCY_KEYS = frozenset(
    {
        "dependencies",
        "devDependencies",
        "peerDependencies",
        "optionalDependencies",
        "bundledDependencies",
        "bundleDependencies",
        "overrides",
        "resolutions",
        "packages",
    }
)
_TRANSLATION_SCRIPT = re.compile(r"i18n|extract|translat|formatjs|\batlas\b", re.IGNORECASE)
_INI_DEPENDENCY_KEYS = frozenset({"install_requires", "setup_requires", "tests_require", "deps", "requires"})
_INI_DEPENDENCY_SECTIONS = ("options.extras_require", "options.entry_points")


def classify_json(text: str, hits: Sequence[Hit], line_index: LineIndex, *, package_json: bool = False) -> Classified:
    """Return a ``Classified``: package entries are dependencies, other values configuration."""
    if len(text) > FULL_PARSE_LIMIT:
        return _json_with_patterns(hits, line_index, "over 1 MiB; classified with line patterns to bound memory")
    try:
        json.loads(text)
    except ValueError as error:
        return _json_with_patterns(hits, line_index, f"not valid JSON ({error}); classified with line patterns")
    except RecursionError:
        return _json_with_patterns(hits, line_index, _too_deep("JSON"))
    paths = t.json_string_paths(text, [hit.start for hit in hits])
    placements = [
        _json_placement(path, line_index.line_text(hit.line), package_json)
        for hit, path in zip(hits, paths, strict=True)
    ]
    return Classified(placements)


def _json_with_patterns(hits: Sequence[Hit], line_index: LineIndex, note: str) -> Classified:
    placements = [
        _comment() if t.in_line_comment(line_index.line_text(hit.line), hit.column, markers="/") else _config("JSON")
        for hit in hits
    ]
    return Classified(placements, parse="fallback", note=note)


def _json_placement(path: tuple[str, ...], line_text: str, package_json: bool) -> Placement:
    shown = ".".join(path) or "JSON"
    if any(key in _JSON_DEPENDENCY_KEYS for key in path):
        return _dependency(shown)
    if package_json and path[:1] == ("scripts",) and _TRANSLATION_SCRIPT.search(line_text):
        return _dependency(f"translation step {shown}")
    return _config(shown)


def classify_yaml(hits: Sequence[Hit], line_index: LineIndex) -> Classified:
    """Return a ``Classified``: text after a ``#`` comment marker is a comment, the rest configuration."""
    in_comment = [t.in_line_comment(line_index.line_text(hit.line), hit.column) for hit in hits]
    return Classified([_comment() if comment else _config("YAML") for comment in in_comment])


def classify_ini(hits: Sequence[Hit], line_index: LineIndex) -> Classified:
    """Return a ``Classified`` for setup.cfg, tox.ini and other INI files: requirement keys are dependencies."""
    keys = t.ini_keys_by_line(line_index)
    placements: list[Placement] = []
    for hit in hits:
        line = line_index.line_text(hit.line)
        if _first_character(line) in ("#", ";") or t.in_line_comment(line, hit.column, markers="#;", quotes=""):
            placements.append(_comment())
            continue
        section, key = keys[hit.line - 1]
        shown = f"[{section}] {key}" if key else f"[{section}]"
        if key in _INI_DEPENDENCY_KEYS or section.startswith(_INI_DEPENDENCY_SECTIONS):
            placements.append(_dependency(shown))
        else:
            placements.append(_config(shown))
    return Classified(placements)


def _first_character(line: str) -> str:
    """Return the first character that is not blank, or "" (without copying a long line)."""
    match = _FIRST_CHARACTER.match(line)
    return match.group(1) if match else ""


_FIRST_CHARACTER = re.compile(r"\s*(\S)")


def classify_toml(hits: Sequence[Hit], line_index: LineIndex) -> Classified:
    """Return a ``Classified`` for pyproject.toml and other TOML: dependency arrays and tables are dependencies."""
    keys = t.toml_keys_by_line(line_index)
    placements: list[Placement] = []
    for hit in hits:
        if t.in_line_comment(line_index.line_text(hit.line), hit.column):
            placements.append(_comment())
            continue
        table, key = keys[hit.line - 1]
        shown = ".".join(filter(None, [table, key]))
        placements.append(_dependency(shown) if _is_toml_dependency(table, key) else _config(shown))
    return Classified(placements)


def _is_toml_dependency(table: str, key: str | None) -> bool:
    key = (key or "").strip("\"'")
    if table == "project" and key in ("dependencies", "optional-dependencies"):
        return True
    if table == "build-system" and key == "requires":
        return True
    return table.startswith(("project.optional-dependencies", "project.entry-points", "dependency-groups")) or (
        table.startswith("tool.poetry") and "dependencies" in table
    )


# Each entry takes (relative path, text, hits, line index).
_CLASSIFIERS: dict[FileKind, Callable[[str, str, Sequence[Hit], LineIndex], Classified]] = {
    FileKind.PYTHON: lambda relative, text, hits, lines: classify_python(text, hits, lines),
    FileKind.SETUP_PY: lambda relative, text, hits, lines: classify_python(text, hits, lines, setup_py=True),
    FileKind.SCRIPT: lambda relative, text, hits, lines: _classify_script(relative, text, hits),
    FileKind.TEMPLATE: lambda relative, text, hits, lines: classify_template(relative, text, hits),
    FileKind.MAKEFILE: lambda relative, text, hits, lines: classify_makefile(hits, lines),
    FileKind.REQUIREMENTS: lambda relative, text, hits, lines: classify_requirements(hits, lines),
    FileKind.PACKAGE_JSON: lambda relative, text, hits, lines: classify_json(text, hits, lines, package_json=True),
    FileKind.JSON: lambda relative, text, hits, lines: classify_json(text, hits, lines),
    FileKind.YAML: lambda relative, text, hits, lines: classify_yaml(hits, lines),
    FileKind.INI: lambda relative, text, hits, lines: classify_ini(hits, lines),
    FileKind.TOML: lambda relative, text, hits, lines: classify_toml(hits, lines),
    FileKind.DOCS: lambda relative, text, hits, lines: _uniform(hits, Category.DOCS, "documentation"),
    FileKind.GETTEXT: lambda relative, text, hits, lines: _uniform(hits, Category.TRANSLATION, "translation catalogue"),
}
