"""A name inside prose is a display string; only a string that is the name alone is logic."""

import contextlib
import tempfile
import unittest
from pathlib import Path

import ddt
from toggles_migration_scan import scan

ARGPARSE_HELP_OVER_LINES = """\
parser.add_argument(
    "--backend",
    help="the backend whose courses keep the legacy rules, "
    "for example proctortrack",
)
"""
ARGPARSE_HELP_OF_TWO_WORDS_OVER_LINES = """\
parser.add_argument("--backend", help="proctortrack "
                    "only")
"""
ARGPARSE_DEFAULT_AND_HELP = """\
parser.add_argument(
    "--backend",
    default="proctortrack",
    help="the backend to check; proctortrack unless you "
    "name another one",
)
"""
TRIPLE_QUOTED_MESSAGE = '''\
EMAIL = """Dear learner,
your Proctortrack exam needs an escalation contact."""
'''
MULTI_LINE_TEMPLATE_LITERAL = "const help = `Choose the backend,\n  for example proctortrack`;\n"


def findings(relative, source):
    """Scan one file holding ``source`` and return its findings as (category, detail, severity) triples."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
        with contextlib.chdir(folder):
            result = scan(["."])
    return [(finding.category.value, finding.detail, finding.severity.value) for finding in result.findings]


PROSE = ("display-string", "prose string", "warning")


@ddt.ddt
class ProseIsADisplayStringTest(unittest.TestCase):
    """Sentences and multi-line string literals are text for people, whatever the code does with them."""

    @ddt.data(
        ("app/cli.py", ARGPARSE_HELP_OVER_LINES),
        ("app/cli.py", ARGPARSE_HELP_OF_TWO_WORDS_OVER_LINES),
        ("app/m.py", 'raise ValueError("proctortrack is not configured")\n'),
        ("app/m.py", 'log.warning("Proctortrack exam %s has no escalation email", exam_id)\n'),
        ("app/m.py", 'if message == "proctortrack is down":\n    pass\n'),
        ("app/m.py", 'parser.add_argument("--backend", help="the legacy backend, e.g. proctortrack")\n'),
        ("app/m.py", 'message = f"Backend {name} is not proctortrack"\n'),
        ("app/m.py", TRIPLE_QUOTED_MESSAGE),
        ("app/broken.py", 'def broken(:\n    raise ValueError("proctortrack is not configured")\n'),
        ("src/exam.js", "throw new Error('Proctortrack is not configured');\n"),
        ("src/exam.js", MULTI_LINE_TEMPLATE_LITERAL),
        ("templates/exam.html", '<p>{{ "Proctortrack exams need a contact"|upper }}</p>\n'),
    )
    @ddt.unpack
    def test_a_name_in_prose_is_a_display_string(self, relative, source):
        assert findings(relative, source) == [PROSE]

    def test_a_retired_toggle_in_prose_stays_an_error(self):
        source = 'parser.add_argument("--flag", help="replaces studio.show_review_rules per backend")\n'
        assert findings("app/m.py", source) == [("display-string", "prose string", "error")]


@ddt.ddt
class TheNameAloneIsLogicTest(unittest.TestCase):
    """A string that is exactly the name, compared, a default or a value passed on, decides behaviour."""

    @ddt.data(
        ("app/m.py", 'if backend == "proctortrack":\n    pass\n', [("logic", "comparison")]),
        ("app/m.py", 'def check(backend="proctortrack"):\n    pass\n', [("logic", "reference")]),
        ("app/m.py", 'enable(course, "proctortrack")\n', [("logic", "reference")]),
        ("app/m.py", 'config = backends.get("proctortrack")\n', [("logic", "lookup")]),
        ("app/m.py", "message = f\"use {backends['proctortrack']} for this exam\"\n", [("logic", "subscript")]),
        ("app/m.py", 'label = "proctortrack backend"\n', [("logic", "declaration")]),
        ("app/cli.py", ARGPARSE_DEFAULT_AND_HELP, [("logic", "reference"), ("display-string", "prose string")]),
        ("src/exam.js", "if (backend === 'proctortrack') {}\n", [("logic", "comparison")]),
        ("src/exam.js", "function check(backend = 'proctortrack') {}\n", [("logic", "reference")]),
        ("src/exam.js", "setBackend('proctortrack');\n", [("logic", "reference")]),
    )
    @ddt.unpack
    def test_the_name_alone_is_logic(self, relative, source, expected):
        assert [(category, detail) for category, detail, _ in findings(relative, source)] == expected
