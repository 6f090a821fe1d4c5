"""Pick the classifier for a file's kind and run it over the file's hits."""

from .build_files import classify_makefile, classify_requirements
from .codecontext import TokenContext
from .codetokens import tokenize_code
from .data_files import classify_ini, classify_json, classify_toml, classify_yaml
from .filekinds import FileKind, is_test_path
from .findings import Category, Classified, Placement
from .python_source import classify_python
from .reading import FULL_PARSE_LIMIT
from .template_source import classify_template
from .vocabulary import PYTHON_DISPLAY_CALLS, SCRIPT_DISPLAY_CALLS

# A code file over FULL_PARSE_LIMIT is classified one occurrence at a time, from the tokens of a window around
# it: the memory a file costs then grows with its size alone, never with a syntax tree or a whole token list.
_WINDOW_BEFORE = 2048
_WINDOW_AFTER = 512
_WINDOWED_NOTE = "over 1 MiB; classified from the code around each occurrence, to bound memory"


def _uniform(hits, category, detail):
    return Classified([Placement(category, detail)] * len(hits))


def _classify_script(relative, text, hits):
    # React code puts JSX in .js files as well as in .jsx and .tsx ones.
    jsx = relative.endswith((".js", ".jsx", ".tsx"))
    tokens = tokenize_code(text, stop_after=hits[-1].end)
    context = TokenContext(text, tokens, display_calls=SCRIPT_DISPLAY_CALLS, jsx=jsx)
    return Classified(context.classify([hit.start for hit in hits]))


# Each entry takes (relative path, text, hits, line index).
_CLASSIFIERS = {
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


def _classify_in_windows(kind, relative, text, hits):
    python = kind in (FileKind.PYTHON, FileKind.SETUP_PY)
    placements = []
    for hit in hits:
        start = max(0, hit.start - _WINDOW_BEFORE)
        # Start at a line's beginning when the window holds one, so the tokenizer starts outside any token.
        line_start = text.find("\n", start, hit.start)
        start = line_start + 1 if line_start != -1 else start
        window = text[start : hit.end + _WINDOW_AFTER]
        tokens = tokenize_code(window, python=python, stop_after=hit.end - start)
        context = TokenContext(
            window,
            tokens,
            display_calls=PYTHON_DISPLAY_CALLS if python else SCRIPT_DISPLAY_CALLS,
            python=python,
            jsx=not python and relative.endswith((".js", ".jsx", ".tsx")),
        )
        placements.extend(context.classify([hit.start - start]))
    return Classified(placements, parse="fallback", note=_WINDOWED_NOTE)


def classify(kind, relative, text, hits, line_index):
    """Return a ``Classified`` with one ``Placement`` per hit of a file of ``kind`` at ``relative``."""
    # Tests may keep mock backends and old flag names; that is informational wherever they occur.
    if is_test_path(relative):
        return _uniform(hits, Category.TEST, "test code")
    if len(text) > FULL_PARSE_LIMIT and kind in (FileKind.PYTHON, FileKind.SETUP_PY, FileKind.SCRIPT):
        return _classify_in_windows(kind, relative, text, hits)
    return _CLASSIFIERS[kind](relative, text, hits, line_index)
