"""
The documentation site: every command it shows is a real one, and the built pages hold what they must.

The command checks run everywhere. The page checks need Sphinx (requirements/doc.txt): they build docs/ with
warnings as errors into a temporary folder, or read the HTML that ``make docs`` just built (the folder in
TOGGLES_MIGRATION_DOCS_HTML). Without Sphinx they are skipped, unless TOGGLES_MIGRATION_REQUIRE_DOC_TOOLS is
set (``make docs``), which turns the skips into failures.
"""
# pylint: disable=protected-access  # white-box tests of argparse lists sub-commands only through _actions

import argparse
import dataclasses
import html
import importlib.util
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError

from tests.doc_tools import require
from toggles_migration import plan as mapping
from toggles_migration import retirements
from toggles_migration.checks import notices
from toggles_migration.management.commands.retire_toggle import Command
from toggles_migration.settings import config as conf

REPO = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.docs
DOCS = REPO / "docs"
SOURCES = sorted(path for path in DOCS.rglob("*.rst") if "_build" not in path.parts)
# A command line: "manage.py [lms|cms] retire_toggle ...", "python -m django retire_toggle ..." or an inline
# literal starting with retire_toggle, up to a comment, a redirection, a separator or the literal's end.
COMMAND = re.compile(
    r"(?:manage\.py(?:\s+(?:lms|cms))?\s+|-m\s+django\s+|``)retire_toggle(?![\w-])(?P<args>[^`#<>|;\n]*)"
)


def parser():
    return Command().create_parser("manage.py", "retire_toggle")


def subparsers():
    action = next(action for action in parser()._actions if isinstance(action, argparse._SubParsersAction))
    return action.choices


def documented_commands():
    """Return (file, line number, arguments) of every retire_toggle command line in the docs and the README."""
    found = []
    for path in [*SOURCES, REPO / "README.rst"]:
        for number, line in enumerate(path.read_text(encoding="utf8").splitlines(), start=1):
            for match in COMMAND.finditer(line):
                arguments = shlex.split(match["args"])
                if arguments and not arguments[0].isupper():  # "retire_toggle ACTION" is a placeholder
                    found.append((path.relative_to(REPO), number, arguments))
    return found


def test_the_docs_show_every_action_of_the_command():
    shown = {arguments[0] for _, _, arguments in documented_commands()}
    assert set(subparsers()) <= shown


@pytest.mark.parametrize("where", documented_commands(), ids=lambda where: f"{where[0]}:{where[1]}")
def test_every_documented_command_is_accepted_by_the_real_parser(where):
    path, number, arguments = where
    try:
        parser().parse_args(arguments)
    except SystemExit as error:  # --help
        assert error.code == 0, f"{path}:{number}: retire_toggle {' '.join(arguments)} exits {error.code}"
    except CommandError as error:
        pytest.fail(f"{path}:{number}: retire_toggle {' '.join(arguments)} is not a valid command: {error}")


def test_the_quick_start_commands_are_make_targets():
    makefile = (REPO / "Makefile").read_text(encoding="utf8")
    quickstart = (DOCS / "quickstart.rst").read_text(encoding="utf8")
    for target in ("demo", "test"):
        assert f"make {target}" in quickstart
        assert re.search(rf"^{target}:", makefile, re.M), target


# The built site.


@pytest.fixture(scope="module", name="site")
def site_fixture(tmp_path_factory):
    """The folder of the built HTML: built here with -W, or the one ``make docs`` built."""
    require("sphinx", "make docs")
    require("sphinx_book_theme", "make docs")
    built = os.environ.get("TOGGLES_MIGRATION_DOCS_HTML")
    if built:
        return Path(built)
    out = tmp_path_factory.mktemp("docs")
    completed = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-b", "html", str(DOCS), str(out / "html")],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return out / "html"


def page(site, name):
    return (site / name).read_text(encoding="utf8")


def heading_ids(text, prefix):
    """Return the names behind the heading ids that code-annotations' directives generate."""
    return {html.unescape(found) for found in re.findall(rf'<h2 id="{prefix}-([^"]+)"', text)}


def section(text, heading_id):
    """Return the HTML of the section whose heading has ``heading_id``, up to the next heading."""
    start = text.index(f'id="{html.escape(heading_id)}"')
    end = text.find("<h2", start)
    return html.unescape(text[start : end if end != -1 else None])


def test_the_toggles_page_lists_the_retired_flag_and_both_options(site):
    text = page(site, "reference/toggles.html")
    names = heading_ids(text, "name")
    retirement = retirements.SHOW_REVIEW_RULES_RETIREMENT
    assert retirement.name in names
    for option in retirements.managed_options(retirements.RETIREMENTS):
        assert f"PROCTORING_BACKENDS[<backend>]['{option.name}']" in names
    retired = section(text, f"name-{retirement.name}")
    removal_ticket = "https://github.com/openedx/openedx-platform/issues/36329"
    for expected in ("Retired", "Target Removal Date", "temporary", "CourseWaffleFlag", removal_ticket):
        assert expected in retired


def test_every_toggles_migration_key_is_on_the_settings_or_the_toggles_page(site):
    settings_page = page(site, "reference/settings.html")
    settings = heading_ids(settings_page, "title")
    toggles = heading_ids(page(site, "reference/toggles.html"), "name")
    for key, default in conf.DEFAULTS.items():
        name = f"TOGGLES_MIGRATION['{key}']"
        if isinstance(default, bool):
            assert name in toggles, name
            assert name in html.unescape(settings_page), f"the settings page should point to {name}"
        else:
            assert name in settings, name


def test_the_checks_page_lists_every_check_id_with_its_hint(site):
    text = html.unescape(page(site, "reference/checks.html"))
    for check_id, title in notices.CHECK_TITLES.items():
        assert f'id="check-{check_id.replace("_", "-").replace(".", "-").lower()}"' in text, check_id
        assert title in text, check_id
        assert f"({check_id})" in text, f"no example message for {check_id}"
    assert text.count("HINT: Fix:") == len(notices.CHECK_TITLES)


def test_the_command_page_lists_every_action_and_option(site):
    text = html.unescape(page(site, "reference/command.html"))
    for name, action_parser in subparsers().items():
        assert f"retire_toggle {name}" in text
        for action in action_parser._actions:
            for option in action.option_strings:
                assert option in text or option in ("-h", "--help"), f"{name} {option}"


def literal(name):
    """The HTML of ``name`` as an inline literal."""
    return f'<span class="pre">{html.escape(name)}</span>'


def test_the_plan_page_explains_every_field_and_status_of_the_plan(site):
    text = page(site, "plan.html")
    for field in dataclasses.fields(mapping.Plan):
        if field.name == "companions":
            continue  # each companion rule appears under its own plan key, below
        assert literal(field.name) in text or f'<span class="pre">{field.name}.' in text, field.name
    for field in dataclasses.fields(mapping.Decision):
        assert literal(f"decision.{field.name}") in text, field.name
    for model in (mapping.Deviation, mapping.InvalidRow):
        for field in dataclasses.fields(model):
            assert f'"{field.name}"' in html.unescape(text), field.name
    for retirement in retirements.RETIREMENTS:
        for companion in retirement.companions:
            for key in ("decision", "missing"):
                assert literal(f"{companion.plan_key}.{key}") in text
    for status in (mapping.UNIFORM, mapping.ABSENT, mapping.LOSSY, mapping.CONDITIONAL):
        assert f"<dt>{literal_code(status)}</dt>" in text, status


def test_the_reads_page_explains_every_reads_mode(site):
    text = page(site, "reads.html")
    for mode in conf.READS_MODES:
        assert f"<dt>{literal_code(mode)}" in text, mode


def test_the_upgrade_guide_is_a_ten_minute_read():
    """The operator's path stays short: the reference material lives on the pages it links to."""
    assert len((DOCS / "upgrade.rst").read_text(encoding="utf8").splitlines()) <= 200


def test_the_generated_references_follow_the_declarations():
    """Every declared retirement (the test-only one too) is a toggle choice and every option is in the examples."""
    require("sphinx", "make docs")
    spec = importlib.util.spec_from_file_location("toggles_docs", DOCS / "_ext" / "toggles_docs.py")
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    choices = ", ".join(f"``{retirement.name}``" for retirement in retirements.declared())
    assert f"- {choices}" in generator.command_rst()
    legacy_backend = generator.check_examples()["toggles_migration.E002"]["PROCTORING_BACKENDS"]["proctortrack"]
    for option in retirements.managed_options():
        assert legacy_backend[option.name] is option.legacy_value


def literal_code(name):
    return f'<code class="docutils literal notranslate">{literal(name)}</code>'


def test_the_site_includes_the_readme_the_changelog_and_every_adr(site):
    assert "closes that gap" in page(site, "index.html")
    assert "Unreleased" in page(site, "changelog.html")
    for adr in sorted((DOCS / "decisions").glob("*.rst")):
        assert (site / "decisions" / f"{adr.stem}.html").exists(), adr.name
