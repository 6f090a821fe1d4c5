"""
The annotation lint gate (docs/lint_annotations.py, run by ``make annotations``) and the annotations themselves.

The gate must fail on broken annotations, each caught by the check that is meant to catch it, and pass on the
package. The annotations must agree with the declarations next to them. edx-lint and pylint come with
requirements/doc.txt: without them the pylint cases are skipped (``make test``), unless
TOGGLES_MIGRATION_REQUIRE_DOC_TOOLS is set (``make annotations``), which turns the skips into failures.
"""
# pylint: disable=annotation-missing-token,toggle-empty-description,toggle-non-boolean-default-value  # the strings are annotation samples

import ast
import importlib.util
import textwrap
from pathlib import Path

import pytest

from tests.doc_tools import require
from toggles_migration import retirements
from toggles_migration.settings import config as conf

REPO = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.annotations
PACKAGE = REPO / "toggles_migration"


def _load_script():
    spec = importlib.util.spec_from_file_location("lint_annotations", REPO / "docs" / "lint_annotations.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


lint_annotations = _load_script()


GOOD = """
    from edx_toggles.toggles import WaffleFlag

    # .. toggle_name: demo.good_flag
    # .. toggle_implementation: WaffleFlag
    # .. toggle_default: False
    # .. toggle_description: A well-annotated temporary flag.
    # .. toggle_use_cases: temporary
    # .. toggle_creation_date: 2026-01-01
    # .. toggle_target_removal_date: 2026-06-01
    # .. toggle_warning: None.
    GOOD_FLAG = WaffleFlag("demo.good_flag", __name__)

    # .. setting_name: DEMO_SETTING
    # .. setting_default: 10
    # .. setting_description: A number.
    DEMO_SETTING = 10
"""

_TOGGLE = """
    # .. toggle_name: demo.flag
    # .. toggle_implementation: {implementation}
    # .. toggle_default: {default}
    # .. toggle_description: A demo toggle.
    # .. toggle_use_cases: {use_cases}
    # .. toggle_creation_date: 2026-01-01
    {extra}
    DEMO = 1
"""


def toggle(implementation="DjangoSetting", default="False", use_cases="opt_in", extra=""):
    """Return a toggle annotation group, with one field changed."""
    return _TOGGLE.format(implementation=implementation, default=default, use_cases=use_cases, extra=extra)


# name: (source, the check that must fail, text its output must contain)
BROKEN = {
    "bogus use case": (toggle(use_cases="bogus"), "static", '"bogus" is not a valid choice'),
    "bogus implementation": (toggle(implementation="EnvVar"), "static", '"EnvVar" is not a valid choice'),
    "missing creation date": (
        """
        # .. toggle_name: demo.flag
        # .. toggle_implementation: DjangoSetting
        # .. toggle_default: False
        # .. toggle_description: A demo toggle.
        # .. toggle_use_cases: opt_in
        DEMO = 1
        """,
        "static",
        "missing non-optional annotation: '.. toggle_creation_date:'",
    ),
    "two setting groups in one comment block": (
        """
        # .. setting_name: FIRST
        # .. setting_default: 1
        # .. setting_description: One.
        #
        # .. setting_name: SECOND
        # .. setting_default: 2
        # .. setting_description: Two.
        FIRST = SECOND = 1
        """,
        "static",
        "found duplicate token '.. setting_name:'",
    ),
    "temporary toggle without a removal date": (
        toggle(use_cases="temporary"),
        "pylint",
        "toggle-missing-target-removal-date",
    ),
    "non-boolean toggle default": (toggle(default="'on'"), "pylint", "toggle-non-boolean-default-value"),
    "boolean setting default": (
        """
        # .. setting_name: DEMO_ENABLED
        # .. setting_default: True
        # .. setting_description: Should have been a toggle.
        DEMO_ENABLED = True
        """,
        "pylint",
        "setting-boolean-default-value",
    ),
    "waffle flag without an annotation": (
        """
        from edx_toggles.toggles import WaffleFlag

        UNDOCUMENTED = WaffleFlag("demo.undocumented", __name__)
        """,
        "pylint",
        "toggle-missing-annotation",
    ),
    "misspelt optional token": (
        toggle(extra="# .. toggle_warnings: The plural is not a token."),
        "tokens",
        "unknown annotation token '.. toggle_warnings:'",
    ),
    "toggle and setting in one comment block": (
        toggle(
            extra="""# .. setting_name: DEMO_SETTING
    # .. setting_default: 10
    # .. setting_description: A number."""
        ),
        "tokens",
        "one comment block holds toggle and setting annotations",
    ),
}
REQUIRES = {"static": "code_annotations", "pylint": "edx_lint", "tokens": "code_annotations"}


def write(tmp_path, source, name="module.py"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(source).lstrip(), encoding="utf8")
    return path


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_the_gate_fails_on_a_broken_annotation(tmp_path, case):
    source, check, expected = BROKEN[case]
    require(REQUIRES[check], "make annotations")
    if check == "pylint":
        require("pylint", "make annotations")
    write(tmp_path, source)
    results = lint_annotations.lint([tmp_path], checks=(check,))
    failed = [result for result in results if not result.passed]
    assert failed, f"{case}: the {check} check passed:\n" + "\n".join(result.output for result in results)
    assert any(expected in result.output for result in failed), "\n".join(result.output for result in failed)


@pytest.mark.parametrize(
    "case", ["temporary toggle without a removal date", "non-boolean toggle default", "misspelt optional token"]
)
def test_code_annotations_alone_misses_what_the_other_checks_catch(tmp_path, case):
    """Why the gate runs edx-lint and its own token check too: static_find_annotations passes these."""
    write(tmp_path, BROKEN[case][0])
    assert all(result.passed for result in lint_annotations.lint([tmp_path], checks=("static",)))


def test_a_misspelt_removal_date_token_is_reported(tmp_path):
    write(tmp_path, toggle(extra="# .. toggle_removal_date: 2027-01-01"))
    result = lint_annotations.token_check([tmp_path])
    assert not result.passed
    assert "unknown annotation token '.. toggle_removal_date:'" in result.output


def test_a_token_without_its_colon_is_reported(tmp_path):
    write(tmp_path, toggle(extra="# .. toggle_warning The colon is missing."))
    result = lint_annotations.token_check([tmp_path])
    assert "lacks its colon" in result.output


def test_good_annotations_pass_static_and_token_checks(tmp_path):
    write(tmp_path, GOOD)
    results = lint_annotations.lint([tmp_path], checks=("static", "tokens"))
    assert all(result.passed for result in results), "\n".join(result.output for result in results)


def test_the_whole_gate_passes_good_annotations_and_fails_broken_ones(tmp_path, capsys):
    require("edx_lint", "make annotations")
    require("pylint", "make annotations")
    good = tmp_path / "good"
    good.mkdir()
    write(good, GOOD)
    assert lint_annotations.main([str(good)]) == 0
    assert "Annotation lint passed." in capsys.readouterr().out
    bad = tmp_path / "bad"
    bad.mkdir()
    for index, (source, _, _) in enumerate(BROKEN.values()):
        write(bad, source, f"module_{index}.py")
    assert lint_annotations.main([str(bad)]) == 1
    out = capsys.readouterr().out
    assert "Annotation lint FAILED" in out
    for _, _, expected in BROKEN.values():
        assert expected in out


def test_the_package_passes_static_and_token_checks():
    results = lint_annotations.lint(checks=("static", "tokens"))
    assert all(result.passed for result in results), "\n".join(result.output for result in results)


def test_the_package_passes_the_whole_gate():
    require("edx_lint", "make annotations")
    require("pylint", "make annotations")
    results = lint_annotations.lint()
    assert [result.name for result in results if not result.passed] == [], "\n".join(
        result.output for result in results
    )


def test_the_enabled_pylint_messages_are_exactly_edx_lints_annotation_messages():
    require("edx_lint", "make annotations")
    assert lint_annotations.check_pylint_messages() == []
    assert not set(lint_annotations.PYLINT_MESSAGES) & set(lint_annotations.PYLINT_EXCLUDED)


# The annotations agree with the code they document.


def annotation_groups(kind):
    """Return every annotation group of ``kind`` ('toggle' or 'setting') in the package, as token -> value."""
    from code_annotations.base import AnnotationConfig
    from code_annotations.find_static import StaticSearch

    config = AnnotationConfig(lint_annotations.config_paths()[kind], verbosity=-1, source_path_override=str(PACKAGE))
    search = StaticSearch(config)
    found = []
    for filename, annotations in search.search().items():
        for group in search.iter_groups(annotations):
            entry = {"filename": filename}
            for annotation in group:
                token = annotation["annotation_token"].removeprefix(f".. {kind}_").removesuffix(":")
                entry[token] = annotation["annotation_data"]
            found.append(entry)
    return found


def by_name(kind):
    """Return the annotation groups of ``kind`` by name, asserting no name is annotated twice."""
    groups = annotation_groups(kind)
    names = [group["name"] for group in groups]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    assert not duplicates, f"annotated more than once: {duplicates}"
    return {group["name"]: group for group in groups}


def option_name(option):
    return f"PROCTORING_BACKENDS[<backend>]['{option.name}']"


def test_every_toggle_is_annotated_once_where_it_is_declared():
    toggles = by_name("toggle")
    boolean_keys = {f"TOGGLES_MIGRATION['{key}']" for key, value in conf.DEFAULTS.items() if isinstance(value, bool)}
    expected = (
        {retirement.name for retirement in retirements.RETIREMENTS}
        | {option_name(option) for option in retirements.managed_options(retirements.RETIREMENTS)}
        | boolean_keys
    )
    assert set(toggles) == expected
    for name in expected - boolean_keys:
        assert toggles[name]["filename"] == "retirements.py"
    for name in boolean_keys:
        assert toggles[name]["filename"] == "settings/config.py"


def test_the_annotations_agree_with_the_declarations():
    """The one place where the annotations above the declarations and the declarations' own fields meet."""
    toggles = by_name("toggle")
    for retirement in retirements.RETIREMENTS:
        annotation = toggles[retirement.name]
        # The drop-in flag factory builds course waffle flags only.
        assert annotation["implementation"] == ["CourseWaffleFlag"]
        assert annotation["default"] == str(retirement.legacy_default)
        assert annotation["use_cases"] == ["temporary"]
        assert annotation["target_removal_date"]
        warning = annotation["warning"]
        assert "Retired" in warning
        assert option_name(retirement.option) in warning
        assert annotation["removal_ticket"] in warning  # the Sphinx page shows the warning, not the ticket fields
        assert "retire_toggle plan" in warning
        assert retirement.upstream_change in annotation["tickets"]
    for option in retirements.managed_options(retirements.RETIREMENTS):
        annotation = toggles[option_name(option)]
        assert annotation["implementation"] == ["DjangoSetting"]
        assert annotation["default"] == str(option.upstream_default)
        assert annotation["use_cases"] == ["open_edx"]


def _literal(text):
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text  # a bare string, e.g. "warn"


def test_every_toggles_migration_key_is_annotated_with_its_default():
    toggles, settings = by_name("toggle"), by_name("setting")
    assert set(settings) == {
        f"TOGGLES_MIGRATION['{key}']" for key, value in conf.DEFAULTS.items() if not isinstance(value, bool)
    }
    for key, value in conf.DEFAULTS.items():
        name = f"TOGGLES_MIGRATION['{key}']"
        if isinstance(value, bool):
            assert toggles[name]["default"] == str(value)
            assert toggles[name]["implementation"] == ["DjangoSetting"]
        else:
            assert _literal(settings[name]["default"]) == value, name
            assert settings[name]["filename"] == "settings/config.py"
