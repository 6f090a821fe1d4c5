"""
The test-only second retirement, courseware.made_up_flag, goes everywhere show_review_rules goes.

It is declared in test_utils/declared_retirements/declaration.py (a made-up option, upstream default True, legacy
value False, no companion rule) and captured by that app's one-operation migration. Nothing else names it: the
package reads the declarations.
"""

import dataclasses
import importlib
import json
import logging
import re
from io import StringIO
from pathlib import Path

import pytest
import waffle  # pylint: disable=invalid-django-waffle-import  # django-waffle's own read path is under test
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import RequestFactory, TransactionTestCase
from opaque_keys.edx.keys import CourseKey
from waffle.models import Flag

import toggles_migration
from test_utils.declared_retirements.declaration import MADE_UP_OPTION, MADE_UP_RETIREMENT
from tests import factories as f
from toggles_migration import RetiredToggleWarning, reads, retirements
from toggles_migration.operations import CaptureRetiredToggle
from toggles_migration.reads import counts, notify
from toggles_migration.state import capture

REPO = Path(__file__).resolve().parent.parent
NAME = MADE_UP_RETIREMENT.name
APP = "declared_retirements"
MIGRATION = "0001_capture_made_up_flag"
AGREEING = {"DEFAULT": "proctortrack", "proctortrack": {"made_up_option": False}}
DISAGREEING = {"DEFAULT": "proctortrack", "proctortrack": {"made_up_option": True}}
COURSE_ON, COURSE_OFF = "course-v1:edX+On+1", "course-v1:edX+Off+1"


def run(*args):
    """Run ``retire_toggle`` and return its standard output."""
    out = StringIO()
    call_command("retire_toggle", *args, stdout=out)
    return out.getvalue()


def seed():
    """The flag off globally, one course overridden on, and two proctortrack courses, one without an email."""
    f.flag(name=NAME, everyone=False)
    f.course_override(COURSE_ON, "on", name=NAME)
    f.course(COURSE_ON, email="")
    f.course(COURSE_OFF)


# ---------------------------------------------------------------------------------------------------------------------
# The declaration and the registry
# ---------------------------------------------------------------------------------------------------------------------


def test_it_is_declared_after_the_package_own_retirements():
    assert retirements.declared() == (*retirements.RETIREMENTS, MADE_UP_RETIREMENT)
    assert retirements.get_retirement(NAME) is MADE_UP_RETIREMENT


def test_its_option_is_managed_without_a_companion():
    assert not MADE_UP_RETIREMENT.companions
    assert MADE_UP_OPTION in retirements.managed_options()
    assert retirements.managed_options() == toggles_migration.MANAGED_OPTIONS


def test_registering_it_again_is_harmless_and_a_clashing_name_is_refused():
    retirements.register(MADE_UP_RETIREMENT)
    assert retirements.declared().count(MADE_UP_RETIREMENT) == 1
    clash = dataclasses.replace(MADE_UP_RETIREMENT, constant="ELSEWHERE")
    with pytest.raises(ValueError) as raised:
        retirements.register(clash)
    assert str(raised.value) == "'courseware.made_up_flag' is already a declared retirement; declare each toggle once"


def test_an_option_declared_twice_differently_is_refused():
    other = retirements.ManagedOption("made_up_option", "MADE_UP_OPTION", upstream_default=False, legacy_value=True)
    twin = retirements.Retirement("x.twin", other, False, "m", "TWIN", "", "")
    with pytest.raises(ValueError) as raised:
        retirements.managed_options((MADE_UP_RETIREMENT, twin))
    assert str(raised.value) == "the option 'made_up_option' is declared twice, differently; declare it once"


# ---------------------------------------------------------------------------------------------------------------------
# Capture, plan, verify, snippet, prune and restore
# ---------------------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_its_migration_is_one_capture_operation_with_a_literal_name():
    module = importlib.import_module(f"test_utils.{APP}.migrations.{MIGRATION}")
    [operation] = module.Migration.operations
    assert isinstance(operation, CaptureRetiredToggle)
    assert operation.deconstruct() == ("CaptureRetiredToggle", [NAME], {})
    assert ("toggles_migration", "0002_capture_show_review_rules") in module.Migration.dependencies
    assert (APP, MIGRATION) in MigrationExecutor(connection).loader.applied_migrations


@pytest.mark.django_db
def test_plan_maps_it_to_its_own_option_only(settings):
    settings.PROCTORING_BACKENDS = AGREEING
    seed()
    plan = json.loads(run("plan", NAME, "--format", "json"))
    assert (plan["toggle"], plan["option"]) == (NAME, "made_up_option")
    assert plan["legacy_values"] == {"true": 1, "false": 1, "ambiguous": 0}
    assert plan["decision"]["value"] is False
    assert plan["exceptions"] == [{"scope": "course", "key": COURSE_ON, "legacy_value": True}]
    assert plan["effective_setting"] == {"proctortrack": {"made_up_option": {"source": "explicit", "value": False}}}
    assert (plan["agrees"], plan["snippet"]) == (True, {})
    assert "escalation_email" not in plan


@pytest.mark.django_db
def test_plan_text_has_no_escalation_email_list(settings):
    settings.PROCTORING_BACKENDS = AGREEING
    seed()
    text = run("plan", NAME)
    assert (
        text.splitlines()[0]
        == "Retired toggle:   courseware.made_up_flag -> PROCTORING_BACKENDS[<backend>]['made_up_option']"
    )
    assert "Escalation email" not in text
    assert "Settings agree with the decision." in text


@pytest.mark.django_db
def test_the_operator_decides_it_by_name(settings):
    settings.TOGGLES_MIGRATION = {"DECISIONS": {NAME: True}}
    plan = json.loads(run("plan", NAME, "--format", "json"))
    assert (plan["decision"]["value"], plan["decision"]["source"]) == (True, "operator")


@pytest.mark.django_db
def test_the_snippet_sets_its_option_alone(settings):
    settings.PROCTORING_BACKENDS = DISAGREEING
    plan = json.loads(run("plan", NAME, "--format", "json"))
    assert (plan["agrees"], plan["snippet"]) == (False, {"proctortrack": {"made_up_option": False}})


@pytest.mark.django_db
def test_the_legacy_rule_value_agrees_but_is_made_explicit(settings):
    settings.PROCTORING_BACKENDS = {"DEFAULT": "proctortrack", "proctortrack": {}}
    plan = json.loads(run("plan", NAME, "--format", "json"))
    assert (plan["agrees"], plan["snippet"]) == (True, {"proctortrack": {"made_up_option": False}})


@pytest.mark.django_db
def test_capture_then_verify(settings):
    seed()
    output = run("capture", NAME, "--refresh")
    assert "captured courseware.made_up_flag: decision made_up_option = False (lossy; 1 exceptions)" in output
    settings.PROCTORING_BACKENDS = AGREEING
    assert capture.verify(f.context(NAME)).exit_code == 0
    settings.PROCTORING_BACKENDS = DISAGREEING
    report = capture.verify(f.context(NAME))
    assert (report.exit_code, report.snippet) == (1, {"proctortrack": {"made_up_option": False}})
    with pytest.raises(CommandError) as raised:
        run("verify", NAME)
    assert str(raised.value) == "PROCTORING_BACKENDS disagrees with the captured decision."


@pytest.mark.django_db
def test_prune_then_restore_touch_its_rows_only(settings):
    settings.PROCTORING_BACKENDS = AGREEING
    seed()
    f.flag(everyone=True)  # show_review_rules' own row, which must stay
    before = f.snapshot(NAME)
    run("capture", NAME, "--refresh")
    run("prune", NAME)
    assert f.row_total(NAME) == 0
    assert Flag.objects.filter(name=f.NAME).exists()
    run("restore", NAME)
    assert f.snapshot(NAME) == before


class CaptureMigrationTest(TransactionTestCase):
    """Its migration captures its rows, and reversing it forgets them, on every database."""

    def tearDown(self):
        executor = MigrationExecutor(connection)
        with _quiet():
            executor.migrate(executor.loader.graph.leaf_nodes())
        super().tearDown()

    def test_migrating_back_and_forward_captures_its_rows(self):
        cache.clear()
        seed()
        with _quiet():
            MigrationExecutor(connection).migrate([(APP, None)])
        capture_model = apps.get_model("toggles_migration", "Capture")
        assert not capture_model.objects.filter(toggle=NAME).exists()
        with _quiet() as printed:
            MigrationExecutor(connection).migrate([(APP, MIGRATION)])
        assert "captured courseware.made_up_flag: decision made_up_option = False" in printed.getvalue()
        assert capture_model.objects.get(toggle=NAME).row_count == 2


def _quiet():
    from contextlib import redirect_stdout  # pylint: disable=import-outside-toplevel

    class _Printed(redirect_stdout):
        def __enter__(self):
            super().__enter__()
            return self._new_target

    return _Printed(StringIO())


# ---------------------------------------------------------------------------------------------------------------------
# The tracer and the drop-in flag
# ---------------------------------------------------------------------------------------------------------------------


@pytest.fixture(name="fresh_reads")
def fresh_reads_fixture():
    """No counts, no rate limits, no cached flags."""
    counts.reset_counts()
    notify.reset_rate_limits()
    cache.clear()
    yield


@pytest.mark.django_db
@pytest.mark.usefixtures("fresh_reads")
def test_a_read_warns_logs_and_counts(settings, caplog):
    settings.PROCTORING_BACKENDS = DISAGREEING
    Flag.objects.create(name=NAME, everyone=False)
    request = RequestFactory().get("/")
    request.user = get_user_model().objects.create(username="author")
    with caplog.at_level(logging.WARNING), pytest.warns(RetiredToggleWarning) as caught:
        assert waffle.flag_is_active(request, NAME) is False
    [ours] = [warning for warning in caught if issubclass(warning.category, RetiredToggleWarning)]
    assert str(ours.message) == (
        "courseware.made_up_flag is retired (see https://github.com/openedx/openedx-platform/pull/99999); read "
        "PROCTORING_BACKENDS[<backend>]['made_up_option'] instead, e.g. with "
        "toggles_migration.capabilities.option_value(provider, 'made_up_option')."
    )
    [record] = [record for record in caplog.records if record.name == "toggles_migration.reads"]
    assert (record.toggle, record.legacy_answer, record.new_answer, record.differs) == (NAME, False, True, True)
    assert (reads.read_counts(NAME)["reads"], reads.read_counts(NAME)["mismatches"]) == (1, 1)


@pytest.mark.django_db
@pytest.mark.usefixtures("fresh_reads")
def test_its_drop_in_flag_answers_per_course(settings):
    settings.TOGGLES_MIGRATION = {"READS": "silent"}
    Flag.objects.create(name=NAME, everyone=False)
    f.course_override(COURSE_ON, "on", name=NAME)
    drop_in = reads.drop_in_flag(MADE_UP_RETIREMENT)
    assert (drop_in.name, drop_in.module_name, drop_in.log_prefix) == (
        NAME,
        "lms.djangoapps.courseware.toggles",
        "Courseware: ",
    )
    assert drop_in.is_enabled(CourseKey.from_string(COURSE_ON)) is True
    assert drop_in.is_enabled(CourseKey.from_string(COURSE_OFF)) is False
    assert reads.read_counts(NAME)["reads"] == 2


@pytest.mark.django_db
@pytest.mark.usefixtures("fresh_reads")
def test_redirect_answers_its_option(settings):
    settings.TOGGLES_MIGRATION = {"READS": "redirect"}
    settings.PROCTORING_BACKENDS = DISAGREEING
    Flag.objects.create(name=NAME, everyone=False)
    with pytest.warns(RetiredToggleWarning):
        assert reads.drop_in_flag(MADE_UP_RETIREMENT).is_enabled() is True


# ---------------------------------------------------------------------------------------------------------------------
# Settings, checks and admin (the generated docs: tests/test_docs.py)
# ---------------------------------------------------------------------------------------------------------------------


def test_the_shim_gives_its_legacy_value_to_the_legacy_backends():
    result = toggles_migration.normalise_proctoring_backends({"DEFAULT": "proctortrack", "proctortrack": {}})
    assert result.option("proctortrack", "made_up_option").value is False
    [notice] = [notice for notice in result.notices if notice.option == "made_up_option"]
    assert notice.hint == (
        "make it explicit: add \"made_up_option\": False to PROCTORING_BACKENDS['proctortrack'] "
        "(YAML: made_up_option: false), the legacy value; `manage.py migrate`, then `manage.py retire_toggle plan`, "
        "computes the value that keeps the most courses as they were."
    )


def test_its_misspelling_and_legacy_spelling_are_recognised():
    result = toggles_migration.normalise_proctoring_backends(
        {"DEFAULT": "x", "x": {"MADE_UP_OPTION": False, "madeUpOption": True}}
    )
    assert result.option("x", "made_up_option").source == "legacy-spelling"
    assert [notice.message for notice in result.notices][1] == (
        "PROCTORING_BACKENDS['x'] has the key 'madeUpOption', which looks like a misspelling of 'made_up_option'; "
        "it is left in place and nothing reads it."
    )


@pytest.mark.django_db
def test_w005_names_it_when_its_settings_disagree(settings):
    from toggles_migration.checks.system import check_captured_decisions  # pylint: disable=import-outside-toplevel

    run("capture", NAME, "--refresh")
    settings.PROCTORING_BACKENDS = DISAGREEING
    messages = [message.msg for message in check_captured_decisions(databases=["default"])]
    assert (
        "PROCTORING_BACKENDS disagrees with the decision captured for courseware.made_up_flag in database 'default' "
        "(made_up_option = False)."
    ) in messages


def test_the_admin_marks_its_rows():
    from toggles_migration.admin import RetiredToggleNoticeMixin  # pylint: disable=import-outside-toplevel

    mixin = RetiredToggleNoticeMixin()
    mixin.toggle_field = "name"
    assert mixin._retired(Flag(name=NAME))  # pylint: disable=protected-access
    assert "PROCTORING_BACKENDS[<backend>]['made_up_option']" in mixin._notice(NAME)  # pylint: disable=protected-access


# ---------------------------------------------------------------------------------------------------------------------
# The package finds it through the declarations alone
# ---------------------------------------------------------------------------------------------------------------------


def test_the_package_never_names_it():
    """Every behaviour above comes from the declaration: no module of the package names the retirement."""
    naming = [
        str(path.relative_to(REPO))
        for path in (REPO / "toggles_migration").rglob("*")
        if path.is_file() and re.search(r"made_up|MADE_UP", path.read_text(encoding="utf-8", errors="replace"))
    ]
    assert not naming
