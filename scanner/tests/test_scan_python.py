"""Python is classified from its syntax tree and tokens, and from line patterns when it does not parse."""

import pytest


@pytest.mark.parametrize(
    "source, expected",
    [
        ("x = 1  # proctortrack is special\n", [("comment", "comment")]),
        ('class A:\n    """Only for Proctortrack."""\n', [("comment", "docstring")]),
        ('if p not in {"proctortrack"}:\n    pass\n', [("logic", "membership test")]),
        ('if "proctortrack" != p:\n    pass\n', [("logic", "comparison")]),
        ('v = getattr(settings, "proctortrack")\n', [("logic", "lookup")]),
        ('v = waffle.flag_is_active(request, "studio.show_review_rules")\n', [("logic", "flag read")]),
        ('F = WaffleSwitch("studio.show_review_rules", __name__)\n', [("logic", "flag construction")]),
        ('m = Text(_("Use Proctortrack"))\n', [("display-string", "_() call")]),
        ('m = ngettext("one Proctortrack", "{n} Proctortrack", n)\n', [("display-string", "ngettext() call")] * 2),
        ('m = pgettext("exam", "Proctortrack")\n', [("display-string", "pgettext() call")]),
        ('m = f"{p} proctortrack"\n', [("logic", "declaration")]),
        ("def proctortrack_rules():\n    pass\n", [("logic", "definition")]),
        ("@override(SHOW_REVIEW_RULES_FLAG)\ndef f():\n    pass\n", [("logic", "reference")]),
        ('def f(backends):\n    return {"proctortrack": 1}\n', [("logic", "mapping key")]),
        ('match p:\n    case {"proctortrack": x}:\n        pass\n', [("logic", "match case")]),
        ('s = "not a docstring, proctortrack"\n', [("display-string", "prose string")]),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_python_occurrence_is_classified_from_the_syntax_tree(classify_file, source, expected):
    assert classify_file("app/module.py", source) == expected


def test_retired_toggle_in_a_display_string_of_code_is_an_error(write_tree, scan_folder):
    result = scan_folder(write_tree({"app/m.py": 'm = _("studio.show_review_rules is retired")\n'}))
    assert [(f.category.value, f.severity.value) for f in result.findings] == [("display-string", "error")]


def test_backend_name_in_a_display_string_is_a_warning(write_tree, scan_folder):
    result = scan_folder(write_tree({"app/m.py": 'm = _("Proctortrack")\n'}))
    assert [(f.category.value, f.severity.value) for f in result.findings] == [("display-string", "warning")]


def test_columns_count_characters_not_bytes(write_tree, scan_folder):
    result = scan_folder(write_tree({"app/m.py": 'é = "éé"; ok = p == "proctortrack"\n'}))
    assert [(f.column, f.detail) for f in result.findings] == [(22, "comparison")]


SYNTAX_ERROR_SOURCE = """\
def broken(:
    # Proctortrack still needs this
    if provider == "proctortrack":
        return _("Proctortrack rules")
"""


def test_python_that_does_not_parse_falls_back_to_line_patterns(write_tree, scan_folder):
    result = scan_folder(write_tree({"app/broken.py": SYNTAX_ERROR_SOURCE}))
    assert [(f.line, f.category.value, f.detail, f.parse) for f in result.findings] == [
        (2, "comment", "comment", "fallback"),
        (3, "logic", "comparison", "fallback"),
        (4, "display-string", "_() call", "fallback"),
    ]


def test_python_fallback_is_reported_as_a_note(write_tree, scan_folder):
    result = scan_folder(write_tree({"app/broken.py": SYNTAX_ERROR_SOURCE}))
    assert [(note.path, note.message.startswith("does not parse as Python")) for note in result.notes] == [
        ("app/broken.py", True)
    ]


def test_python_fallback_recognises_docstrings(write_tree, scan_folder):
    source = 'def broken(:\n    """Proctortrack only."""\n'
    result = scan_folder(write_tree({"app/broken.py": source}))
    assert [(f.category.value, f.detail) for f in result.findings] == [("comment", "docstring")]


def test_setup_py_requirement_variable_is_a_dependency(classify_file):
    source = 'from setuptools import setup\nREQUIREMENTS = ["edx-proctoring-proctortrack"]\nsetup()\n'
    assert classify_file("setup.py", source) == [("dependency", "requirement list")]
