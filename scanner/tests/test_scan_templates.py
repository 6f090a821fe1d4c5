"""Templates: comments, code regions, translation tags and user-facing text and attributes."""

import pytest


@pytest.mark.parametrize(
    "relative, source, expected",
    [
        (
            "templates/a.html",
            "{% blocktrans %}Proctortrack exam{% endblocktrans %}\n",
            [("display-string", "trans tag")],
        ),
        ("templates/a.html", "{% comment %}\nProctortrack\n{% endcomment %}\n", [("comment", "template comment")]),
        ("templates/a.html", '<img alt="Proctortrack logo">\n', [("display-string", "alt attribute")]),
        ("templates/a.html", '<option value="proctortrack">\n', [("logic", "value attribute")]),
        ("templates/a.html", "{{ _('Proctortrack') }}\n", [("display-string", "_() call")]),
        (
            "templates/a.html",
            "<script>\n// Proctortrack\nif (p === 'proctortrack') {}\n</script>\n",
            [("comment", "comment"), ("logic", "comparison")],
        ),
        ("templates/a.mako", "<%doc>\nProctortrack\n</%doc>\n", [("comment", "template comment")]),
        ("templates/a.mako", "<%\n# Proctortrack\nx = 1\n%>\n", [("comment", "comment")]),
        ("templates/a.mako", "${SHOW_REVIEW_RULES_FLAG.is_enabled(key)}\n", [("logic", "flag read")]),
        ("templates/a.underscore", "<%= provider === 'proctortrack' %>\n", [("logic", "comparison")]),
    ],
)
def test_template_occurrence_is_classified_by_its_region(classify_file, relative, source, expected):
    assert classify_file(relative, source) == expected


def test_html_with_mako_expressions_is_read_as_mako(classify_file):
    source = "<%page args='x'/>\n## Proctortrack\n<p>${_('Proctortrack')}</p>\n"
    assert classify_file("templates/page.html", source) == [
        ("comment", "template comment"),
        ("display-string", "_() call"),
    ]
