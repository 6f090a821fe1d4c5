"""JavaScript and TypeScript are classified from a lenient tokenizer and the brackets around each name."""

import pytest


@pytest.mark.parametrize(
    "source, expected",
    [
        ("/* Proctortrack\n   only */\n", [("comment", "comment")]),
        ("if (['a'].includes('proctortrack')) {}\n", [("logic", "membership test")]),
        ("const s = backends['proctortrack'];\n", [("logic", "subscript")]),
        ("const s = backends.get('proctortrack');\n", [("logic", "lookup")]),
        ("if ('proctortrack' in backends) {}\n", [("logic", "membership test")]),
        ("const config = { proctortrack: true };\n", [("logic", "mapping key")]),
        ("const p = 'proctortrack';\n", [("logic", "reference")]),
        ("const m = `${provider === 'proctortrack' ? 'a' : 'b'}`;\n", [("logic", "comparison")]),
        ("const m = `Proctortrack ${name}`;\n", [("logic", "reference")]),
        ("const m = _('Proctortrack');\n", [("display-string", "_() call")]),
        ("const m = ngettext('Proctortrack', 'Proctortracks', n);\n", [("display-string", "ngettext() call")] * 2),
        ("const r = /\"/; const p = x === 'proctortrack';\n", [("logic", "comparison")]),
        ("const q = a / b; const p = x === 'proctortrack';\n", [("logic", "comparison")]),
        ('const e = <FormattedMessage defaultMessage="Proctortrack" />;\n', [("display-string", "message descriptor")]),
        ("if (flags.SHOW_REVIEW_RULES_FLAG.isEnabled()) {}\n", [("logic", "flag read")]),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_script_occurrence_is_classified_from_its_tokens(classify_file, source, expected):
    assert classify_file("src/exam.jsx", source) == expected


def test_typescript_is_scanned(classify_file):
    assert classify_file("src/exam.ts", "const ok = (p: string) => p === 'proctortrack';\n") == [
        ("logic", "comparison")
    ]


def test_unterminated_string_does_not_stop_the_scan(classify_file):
    source = "const s = 'unterminated\nif (p === 'proctortrack') {}\n"
    assert classify_file("src/exam.js", source) == [("logic", "comparison")]
