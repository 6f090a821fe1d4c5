"""The corpus written for the scanner: every category in every file type, with the expected findings."""

import pytest
from toggles_migration_scan.declarations import OPTIONS

# (path relative to the corpus, line, category, severity): one row per expected finding.
EXPECTED = [
    ("Makefile", 3, "comment", "warning"),
    ("Makefile", 5, "dependency", "error"),
    ("Makefile", 8, "logic", "error"),
    ("README.md", 3, "docs", "warning"),
    ("app/exams.py", 6, "logic", "error"),
    ("app/exams.py", 8, "comment", "warning"),
    ("app/exams.py", 9, "display-string", "warning"),
    ("app/exams.py", 13, "comment", "warning"),
    ("app/exams.py", 14, "logic", "error"),
    ("app/exams.py", 18, "logic", "error"),
    ("app/exams.py", 22, "logic", "error"),
    ("app/exams.py", 26, "logic", "error"),
    ("app/exams.py", 31, "logic", "error"),
    ("app/exams.py", 32, "display-string", "warning"),
    ("app/exams.py", 38, "logic", "error"),
    ("app/static/ProctoringNotice.tsx", 6, "display-string", "warning"),
    ("app/static/ProctoringNotice.tsx", 10, "comment", "warning"),
    ("app/static/ProctoringNotice.tsx", 12, "display-string", "warning"),
    ("app/static/ProctoringNotice.tsx", 12, "logic", "error"),
    ("app/static/exam_settings.js", 1, "comment", "warning"),
    ("app/static/exam_settings.js", 3, "logic", "error"),
    ("app/static/exam_settings.js", 8, "logic", "error"),
    ("app/static/exam_settings.js", 16, "display-string", "warning"),
    ("app/static/exam_settings.js", 19, "display-string", "warning"),
    ("app/static/exam_settings.test.js", 4, "test", "info"),
    ("app/templates/exam_rules.html", 2, "comment", "warning"),
    ("app/templates/exam_rules.html", 3, "comment", "warning"),
    ("app/templates/exam_rules.html", 4, "logic", "error"),
    ("app/templates/exam_rules.html", 5, "display-string", "warning"),
    ("app/templates/exam_rules.html", 5, "display-string", "warning"),
    ("app/templates/exam_rules.html", 6, "display-string", "warning"),
    ("app/templates/exam_rules.html", 8, "logic", "error"),
    ("app/templates/exam_rules.mako", 3, "comment", "warning"),
    ("app/templates/exam_rules.mako", 4, "logic", "error"),
    ("app/templates/exam_rules.mako", 5, "display-string", "warning"),
    ("app/templates/exam_rules.mako", 7, "display-string", "warning"),
    ("app/templates/exam_rules.underscore", 1, "logic", "error"),
    ("app/templates/exam_rules.underscore", 2, "display-string", "warning"),
    ("app/templates/exam_rules.underscore", 4, "display-string", "warning"),
    ("app/waffle.py", 5, "logic", "error"),
    ("app/waffle.py", 5, "logic", "error"),
    ("conf/backends.json", 3, "config", "warning"),
    ("conf/backends.json", 4, "config", "warning"),
    ("conf/locale/fr/LC_MESSAGES/django.po", 2, "translation", "info"),
    ("conf/locale/fr/LC_MESSAGES/django.po", 3, "translation", "info"),
    ("conf/proctoring.yml", 1, "comment", "warning"),
    ("conf/proctoring.yml", 3, "config", "warning"),
    ("conf/proctoring.yml", 5, "config", "warning"),
    ("docs/operators.rst", 1, "docs", "warning"),
    ("docs/operators.rst", 4, "docs", "warning"),
    ("package.json", 4, "dependency", "error"),
    ("package.json", 7, "dependency", "error"),
    ("package.json", 10, "config", "warning"),
    ("pyproject.toml", 4, "dependency", "error"),
    ("pyproject.toml", 8, "comment", "warning"),
    ("pyproject.toml", 8, "config", "warning"),
    ("requirements/base.txt", 3, "comment", "warning"),
    ("requirements/base.txt", 3, "dependency", "error"),
    ("setup.cfg", 3, "dependency", "error"),
    ("setup.cfg", 6, "comment", "warning"),
    ("setup.cfg", 7, "config", "warning"),
    ("setup.py", 7, "config", "warning"),
    ("setup.py", 8, "dependency", "error"),
    ("setup.py", 9, "dependency", "error"),
    ("tests/mock_backends.py", 3, "test", "info"),
    ("vendor/legacy_plugin.py", 3, "logic", "error"),
]

# How code decides behaviour with the name: (path, line, column, detail) for the logic findings in code.
LOGIC_DETAILS = [
    ("app/exams.py", 6, 21, "import"),
    ("app/exams.py", 14, 25, "comparison"),
    ("app/exams.py", 18, 26, "membership test"),
    ("app/exams.py", 22, 22, "subscript"),
    ("app/exams.py", 26, 26, "lookup"),
    ("app/exams.py", 31, 15, "match case"),
    ("app/exams.py", 38, 12, "flag read"),
    ("app/waffle.py", 5, 1, "declaration"),
    ("app/waffle.py", 5, 44, "flag construction"),
    ("app/static/exam_settings.js", 3, 24, "comparison"),
    ("app/static/exam_settings.js", 8, 11, "switch case"),
    ("app/static/ProctoringNotice.tsx", 12, 17, "comparison"),
    ("app/templates/exam_rules.html", 4, 25, "comparison"),
    ("app/templates/exam_rules.mako", 4, 24, "comparison"),
    ("app/templates/exam_rules.underscore", 1, 22, "comparison"),
]


def _rows(result):
    return sorted((f.path, f.line, f.category.value, f.severity.value) for f in result.findings)


@pytest.mark.parametrize("row", EXPECTED, ids=[f"{path}:{line}:{category}" for path, line, category, _ in EXPECTED])
def test_expected_finding_is_reported_with_its_category_and_severity(corpus_result, row):
    assert row in _rows(corpus_result)


def test_no_finding_beyond_the_expected_ones(corpus_result):
    assert _rows(corpus_result) == sorted(EXPECTED)


@pytest.mark.parametrize("path, line, column, detail", LOGIC_DETAILS)
def test_logic_finding_says_how_the_name_decides_behaviour(corpus_result, path, line, column, detail):
    details = {(f.path, f.line, f.column): f.detail for f in corpus_result.findings}
    assert details[(path, line, column)] == detail


def test_inline_ignore_comment_suppresses_and_is_counted(corpus_result):
    assert [(f.path, f.line, f.suppressed_by) for f in corpus_result.suppressed] == [("app/suppressed.py", 3, "inline")]
    assert corpus_result.summary()["suppressed"] == 1


def test_retired_toggle_names_carry_the_retirement_suggestion(corpus_result):
    read = next(f for f in corpus_result.findings if f.detail == "flag read")
    assert read.suggestion == (
        "read PROCTORING_BACKENDS[<backend>]['show_review_rules'] via toggles_migration.show_review_rules(provider)"
    )


def test_backend_name_logic_carries_the_backend_option_suggestion(corpus_result):
    comparison = next(f for f in corpus_result.findings if f.detail == "comparison" and f.path == "app/exams.py")
    options = OPTIONS
    keys = " / ".join(f"['{option.name}']" for option in options)
    readers = " / ".join(option.reader for option in options)
    assert f"PROCTORING_BACKENDS[provider]{keys} via {readers}" in comparison.suggestion
    assert "toggles_migration.requires_escalation_email(provider)" in comparison.suggestion


def test_every_file_of_the_corpus_is_scanned_without_notes(corpus_result):
    assert (corpus_result.files_scanned, corpus_result.notes) == (22, [])
