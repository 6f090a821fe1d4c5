"""Classify occurrences in Python source from its syntax tree and tokens, or from line patterns if it won't parse."""

import ast
import io
import tokenize

from . import vocabulary
from .codecontext import TokenContext
from .codetokens import tokenize_code
from .findings import Category, Classified, Placement


def classify_python(text, hits, line_index, *, setup_py=False):
    """Return a ``Classified`` for the hits of a Python file; ``setup_py`` marks setup() requirements."""
    try:
        in_comment = _hits_in_comments(text, hits, line_index)
        # Comments need no tree: a file whose hits are all comments is never parsed.
        tree = ast.parse(text) if len(in_comment) < len(hits) else None
    except (SyntaxError, ValueError, tokenize.TokenError) as error:
        return _classify_with_patterns(text, hits, _describe(error))
    tree_context = _TreeContext(tree, setup_py=setup_py)
    placements = []
    for index, hit in enumerate(hits):
        if index in in_comment:
            placements.append(Placement(Category.COMMENT, "comment"))
            continue
        # The tree counts columns in UTF-8 bytes, hits in characters.
        byte_column = len(line_index.line_text(hit.line)[: hit.column - 1].encode("utf-8"))
        placements.append(tree_context.classify((hit.line, byte_column)))
    return Classified(placements)


def _hits_in_comments(text, hits, line_index):
    """Return the indexes of the hits inside comments, from the tokens up to the last line that may hold one."""
    # A hit can only be in a comment when a "#" precedes it on its line; most hits settle without tokenizing.
    candidates = [index for index, hit in enumerate(hits) if "#" in line_index.line_text(hit.line)[: hit.column - 1]]
    if not candidates:
        return set()
    last_line = max(hits[index].line for index in candidates)
    comment_columns = {}
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.start[0] > last_line:
            break
        if token.type == tokenize.COMMENT:
            comment_columns[token.start[0]] = token.start[1]
    return {
        index
        for index in candidates
        if hits[index].line in comment_columns and hits[index].column - 1 >= comment_columns[hits[index].line]
    }


def _describe(error):
    line = getattr(error, "lineno", None)
    message = getattr(error, "msg", None) or str(error)
    return f"does not parse as Python ({message}{f', line {line}' if line else ''}); classified with line patterns"


def _classify_with_patterns(text, hits, reason):
    tokens = tokenize_code(text, python=True, stop_after=hits[-1].end)
    context = TokenContext(text, tokens, display_calls=vocabulary.PYTHON_DISPLAY_CALLS, python=True)
    return Classified(context.classify([hit.start for hit in hits]), parse="fallback", note=reason)


def _covers(node, point):
    if getattr(node, "end_lineno", None) is not None:
        start = (node.lineno, node.col_offset)
        # A definition's position starts at "def" or "class", after its decorators.
        for decorator in getattr(node, "decorator_list", ()):
            start = min(start, (decorator.lineno, decorator.col_offset))
        return start <= point < (node.end_lineno, node.end_col_offset)
    # Nodes without a position (arguments, comprehensions, match cases) cover what their children cover.
    return any(_covers(child, point) for child in ast.iter_child_nodes(node))


def _callee(function):
    if isinstance(function, ast.Name):
        return function.id
    if isinstance(function, ast.Attribute):
        return function.attr
    return None


def _syntax_detail(parent, child):
    """Return how the syntax around a name decides behaviour (comparison, subscript...), or None."""
    if isinstance(parent, ast.Compare):
        membership = any(isinstance(operator, ast.In | ast.NotIn) for operator in parent.ops)
        return "membership test" if membership else "comparison"
    if isinstance(parent, ast.Subscript) and child is parent.slice:
        return "subscript"
    if isinstance(child, ast.pattern):
        return "match case"
    if isinstance(parent, ast.Attribute) and child is parent.value and parent.attr in vocabulary.FLAG_READ_METHODS:
        return "flag read"
    return None


class _TreeContext:
    """Classifies a point of a parsed module from the chain of nodes that contain it."""

    def __init__(self, tree, *, setup_py):
        self.tree = tree
        self.setup_py = setup_py

    def classify(self, point):
        chain = self._chain(point)
        statement_index = max(index for index, node in enumerate(chain) if isinstance(node, ast.stmt | ast.Module))
        statement = chain[statement_index]
        if self._is_string_statement(statement, chain, statement_index):
            return Placement(Category.COMMENT, "docstring")
        for index in range(len(chain) - 1, statement_index, -1):
            verdict = self._verdict(chain[index - 1], chain[index])
            if verdict:
                return verdict
        return self._logic(self._detail(chain, statement_index))

    def _chain(self, point):
        """Return the nodes from the module down to the innermost one covering ``point``."""
        chain = [self.tree]
        while True:
            child = next((child for child in ast.iter_child_nodes(chain[-1]) if _covers(child, point)), None)
            if child is None:
                return chain
            chain.append(child)

    @staticmethod
    def _is_string_statement(statement, chain, statement_index):
        # Docstrings, and bare strings used as comments, are expression statements of a lone string.
        return (
            isinstance(statement, ast.Expr)
            and isinstance(statement.value, ast.Constant)
            and isinstance(statement.value.value, str)
            and len(chain) > statement_index + 1
        )

    @staticmethod
    def _logic(detail):
        return Placement(Category.LOGIC, detail, in_code=True)

    def _verdict(self, parent, child):
        detail = _syntax_detail(parent, child)
        if detail:
            return self._logic(detail)
        if isinstance(parent, ast.Call) and child is not parent.func:
            return self._call_verdict(parent, child)
        if self.setup_py:
            return self._setup_verdict(parent, child)
        return None

    def _call_verdict(self, call, child):
        callee = _callee(call.func)
        if callee in vocabulary.PYTHON_DISPLAY_CALLS:
            return Placement(Category.DISPLAY_STRING, f"{callee}() call", in_code=True)
        detail = vocabulary.call_detail(callee)
        if detail:
            return self._logic(detail)
        if self.setup_py and callee == "setup" and isinstance(child, ast.keyword):
            if child.arg in vocabulary.SETUP_DEPENDENCY_KEYWORDS:
                return Placement(Category.DEPENDENCY, f"setup({child.arg}=...)")
            return Placement(Category.CONFIG, "package metadata")
        return None

    @staticmethod
    def _setup_verdict(parent, child):
        # setup.py often builds its requirement lists in variables before passing them to setup().
        if isinstance(parent, ast.Assign | ast.AnnAssign) and child is parent.value:
            targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
            names = [target.id.lower() for target in targets if isinstance(target, ast.Name)]
            if any("require" in name or "depend" in name for name in names):
                return Placement(Category.DEPENDENCY, "requirement list")
        return None

    @staticmethod
    def _detail(chain, statement_index):
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
