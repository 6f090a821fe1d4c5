"""Pick the classifier for a file's kind and run it over the file's hits."""

from .build_files import classify_makefile, classify_requirements
from .codecontext import TokenContext
from .codetokens import tokenize_code
from .data_files import classify_ini, classify_json, classify_toml, classify_yaml
from .filekinds import FileKind, is_test_path
from .findings import Category, Classified, Placement
from .python_source import classify_python
from .template_source import classify_template
from .vocabulary import SCRIPT_DISPLAY_CALLS


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


def classify(kind, relative, text, hits, line_index):
    """Return a ``Classified`` with one ``Placement`` per hit of a file of ``kind`` at ``relative``."""
    # Tests may keep mock backends and old flag names; that is informational wherever they occur.
    if is_test_path(relative):
        return _uniform(hits, Category.TEST, "test code")
    return _CLASSIFIERS[kind](relative, text, hits, line_index)
