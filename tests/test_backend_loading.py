"""Whether edx-proctoring loaded the backends in use, and why not: each case with its exact words (state mocked)."""

import json
import logging
from io import StringIO
from types import SimpleNamespace
from unittest import mock

import ddt
import pytest
from django.apps import apps
from django.core import checks
from django.core.management import call_command
from django.db import OperationalError, connection
from django.test import SimpleTestCase, TestCase, override_settings
from django.test.utils import CaptureQueriesContext

from tests import factories as f
from toggles_migration.checks import backend_loading as bl
from toggles_migration.checks import notices as n
from toggles_migration.checks.system import check_backends_loaded
from toggles_migration.management import rendering
from toggles_migration.state.readiness import NotMigrated

SECRET = "s3cr3t-client-secret-never-printed"
MODULE = "edx_proctoring_proctortrack.backends.proctortrack_rest"
VALUE = f"{MODULE}:ProctortrackBackendProvider"
IMPORT_ERROR = "cannot import name 'ugettext' from 'django.utils.translation'"
INSTALL_V2 = (
    "install edx-proctoring-proctortrack-v2, the vendor's maintained package (pip install "
    "edx-proctoring-proctortrack-v2; with Tutor, add it to OPENEDX_EXTRA_PIP_REQUIREMENTS and rebuild the openedx "
    "image), then restart the LMS and CMS"
)
PT = {"client_id": "id", "client_secret": SECRET, "base_url": "https://pt.example.com"}
BACKENDS = {"DEFAULT": "proctortrack", "proctortrack": PT, "null": {}}
NO_ENTRY_POINT = "no installed package provides an openedx.proctoring entry point named 'proctortrack'"


def entry_point(name="proctortrack", value=VALUE, dist=("edx-proctoring-proctortrack", "1.2.1")):
    """An installed entry point as importlib.metadata describes it (name, value, module, distribution)."""
    return SimpleNamespace(
        name=name,
        value=value,
        module=value.split(":")[0],
        dist=SimpleNamespace(name=dist[0], version=dist[1]) if dist else None,
    )


def state(name="proctortrack", *, loaded=False, configured=True, found=(), failure=None, modules=()):
    return bl.backend_state(
        name, loaded=loaded, configured=configured, found=found, failure=failure, modules=set(modules)
    )


class BackendStateTest(SimpleTestCase):
    """Why a backend is not loaded, and the fix, from what is installed and what edx-proctoring recorded."""

    def test_loaded(self):
        assert state(loaded=True) == bl.BackendState(loaded=True, reason="", fix="")

    def test_no_entry_point_for_proctortrack_names_the_maintained_package(self):
        assert state() == bl.BackendState(False, NO_ENTRY_POINT, INSTALL_V2)

    def test_no_entry_point_for_another_backend(self):
        assert state("mockprock") == bl.BackendState(
            False,
            "no installed package provides an openedx.proctoring entry point named 'mockprock'",
            "install the package that provides the openedx.proctoring entry point 'mockprock' in the LMS and CMS, "
            "then restart the LMS and CMS; or move the courses to a backend that is loaded",
        )

    def test_import_error_of_the_old_package(self):
        failure = bl.LoadFailure("ImportError", IMPORT_ERROR)
        assert state(found=[entry_point()], failure=failure) == bl.BackendState(
            False,
            f"importing its entry point '{VALUE}' (from edx-proctoring-proctortrack 1.2.1) raised ImportError: "
            f"{IMPORT_ERROR}",
            f"uninstall edx-proctoring-proctortrack, then {INSTALL_V2}",
        )

    def test_import_error_of_the_maintained_package(self):
        failure = bl.LoadFailure("ModuleNotFoundError", "No module named 'edx_proctoring.backends.rest'")
        found = [entry_point(dist=("edx-proctoring-proctortrack-v2", "2.0.1"))]
        assert state(found=found, failure=failure) == bl.BackendState(
            False,
            f"importing its entry point '{VALUE}' (from edx-proctoring-proctortrack-v2 2.0.1) raised "
            "ModuleNotFoundError: No module named 'edx_proctoring.backends.rest'",
            "install a release of edx-proctoring-proctortrack-v2 that imports with the installed Django and "
            "edx-proctoring, then restart the LMS and CMS",
        )

    def test_another_error_is_named_without_its_message(self):
        failure = bl.LoadFailure("KeyError", "")
        found = [entry_point("mockprock", "mockprock.backend:MockprockBackend", ("mockprock", "0.1"))]
        assert state("mockprock", found=found, failure=failure) == bl.BackendState(
            False,
            "importing its entry point 'mockprock.backend:MockprockBackend' (from mockprock 0.1) raised KeyError "
            "(its message is not shown, it may quote a setting; the LMS and CMS logs of their start have it, "
            "logger stevedore.extension)",
            "install a release of mockprock that imports with the installed Django and edx-proctoring, then restart "
            "the LMS and CMS",
        )

    def test_failure_not_recorded_and_module_not_imported(self):
        assert state(found=[entry_point(dist=None)]) == bl.BackendState(
            False,
            f"its entry point '{VALUE}' (from an unnamed distribution) did not import when edx-proctoring loaded the "
            "backends; the LMS and CMS logs of their start (logger stevedore.extension) have the error",
            INSTALL_V2,
        )

    def test_not_configured(self):
        found = [entry_point(dist=("edx-proctoring-proctortrack-v2", "2.0.1"))]
        assert state(found=found, configured=False, modules=[MODULE]) == bl.BackendState(
            False,
            "PROCTORING_BACKENDS has no entry 'proctortrack', and edx-proctoring loads only configured backends",
            "add PROCTORING_BACKENDS['proctortrack'] with the backend's options to the LMS and CMS settings",
        )

    def test_no_entry_point_and_not_configured(self):
        assert state(configured=False) == bl.BackendState(
            False,
            f"{NO_ENTRY_POINT}; PROCTORING_BACKENDS has no entry 'proctortrack', and edx-proctoring loads only "
            "configured backends",
            f"{INSTALL_V2}; add PROCTORING_BACKENDS['proctortrack'] with the backend's options to the LMS and CMS "
            "settings",
        )

    def test_imported_and_configured_but_not_created(self):
        found = [entry_point(dist=("edx-proctoring-proctortrack-v2", "2.0.1"))]
        assert state(found=found, modules=[MODULE]) == bl.BackendState(
            False,
            "edx-proctoring did not create it when the LMS or CMS started, although its entry point imports and "
            "PROCTORING_BACKENDS['proctortrack'] exists now: either creating it raised KeyError, which "
            "edx-proctoring ignores (an option the backend requires is missing), or the entry was added after the "
            "start",
            "give PROCTORING_BACKENDS['proctortrack'] every option the backend's documentation requires, in the "
            "settings files, then restart the LMS and CMS",
        )


class FailureRecorderTest(SimpleTestCase):
    """stevedore's log record of a failed entry point is kept; the record still reaches the handlers."""

    def setUp(self):
        patcher = mock.patch.dict(bl._failures, clear=True)  # pylint: disable=protected-access
        patcher.start()
        self.addCleanup(patcher.stop)

    def test_records_an_import_error_with_its_message(self):
        with self.assertLogs("stevedore.extension", "ERROR") as logs:
            logging.getLogger("stevedore.extension").error("Could not load %r: %s", "pt", ImportError(IMPORT_ERROR))
        assert bl.recorded_failures() == {"pt": bl.LoadFailure("ImportError", IMPORT_ERROR)}
        assert logs.output == [f"ERROR:stevedore.extension:Could not load 'pt': {IMPORT_ERROR}"]

    def test_records_another_error_without_its_message(self):
        logging.getLogger("stevedore.extension").error("Could not load %r: %s", "pt", ValueError(SECRET))
        assert bl.recorded_failures() == {"pt": bl.LoadFailure("ValueError", "")}

    def test_ignores_other_records(self):
        logging.getLogger("stevedore.extension").error("error calling %r: %s", "pt", ImportError("x"))
        assert not bl.recorded_failures()

    def test_installed_once_when_the_app_is_imported(self):
        bl.record_load_failures()
        recorders = [
            item
            for item in logging.getLogger("stevedore.extension").filters
            if type(item).__name__ == "_FailureRecorder"
        ]
        assert len(recorders) == 1


class LoadedBackendsTest(SimpleTestCase):
    """What edx-proctoring loaded, asked of its own get_backend."""

    def test_none_without_edx_proctoring(self):
        assert bl.loaded_backends(apps) is None

    @override_settings(PROCTORING_BACKENDS=BACKENDS)
    def test_check_reports_nothing_without_edx_proctoring(self):
        assert not check_backends_loaded(databases=["default"])

    def test_asks_get_backend(self):
        config = SimpleNamespace(backends={"null": object()})

        def get_backend(name):
            if name not in config.backends:
                raise NotImplementedError(f"No proctoring backend configured for '{name}'.")
            return config.backends[name]

        config.get_backend = get_backend
        with mock.patch.object(apps, "get_app_config", return_value=config):
            loaded = bl.loaded_backends(apps)
        assert (loaded("null"), loaded("proctortrack")) == (True, False)


def edx_proctoring(loaded=("null",), found=None, failures=None):
    """Mock what edx-proctoring loaded, the installed entry points and the failures recorded."""
    return [
        mock.patch.object(bl, "loaded_backends", return_value=set(loaded).__contains__),
        mock.patch.object(bl, "proctoring_entry_points", return_value=found or {}),
        mock.patch.dict(bl._failures, failures or {}, clear=True),  # pylint: disable=protected-access
    ]


class Mocked(SimpleTestCase):
    """Apply the edx_proctoring() patches around a test."""

    def mock_edx_proctoring(self, **kwargs):
        """Start the patches; return the mock of proctoring_entry_points."""
        started = []
        for patcher in edx_proctoring(**kwargs):
            started.append(patcher.start())
            self.addCleanup(patcher.stop)
        return started[1]


NOT_LOADED = (
    "The proctoring backend 'proctortrack' is not loaded by edx-proctoring: proctored exams on it fail when learners "
    "start them."
)
NAMED = "Named by PROCTORING_BACKENDS['DEFAULT'] and TOGGLES_MIGRATION['LEGACY_BACKENDS']."


@ddt.ddt
@override_settings(PROCTORING_BACKENDS=BACKENDS)
class CheckTest(Mocked, TestCase):
    """W006 for every backend in use that is not loaded: exact message per case, warning or error under STRICT."""

    def setUp(self):
        self.mock_edx_proctoring()

    def test_without_database_the_courses_are_not_counted(self):
        [message] = check_backends_loaded()
        assert (message.id, type(message)) == (n.BACKEND_NOT_LOADED, checks.Warning)
        assert message.msg == (
            f"{NOT_LOADED} Courses using it: not counted (`manage.py check --database default` counts them). "
            f"{NAMED} Why: {NO_ENTRY_POINT}."
        )
        assert message.hint == f"Fix: {INSTALL_V2}."

    def test_counts_the_courses_with_one_aggregate_query(self):
        f.course("course-v1:edX+A+1")
        f.course("course-v1:edX+A+2", provider=None)  # the DEFAULT backend's
        f.course("course-v1:edX+A+3", proctored=False)
        f.course("course-v1:edX+A+4", provider="null")
        with CaptureQueriesContext(connection) as queries:
            [message] = check_backends_loaded(databases=["default"])
        assert message.msg == (
            f"{NOT_LOADED} Proctored courses using it: 2 on database 'default'. {NAMED} Why: {NO_ENTRY_POINT}."
        )
        assert [query["sql"] for query in queries if "course_overviews_courseoverview" in query["sql"]] == [
            queries[-1]["sql"]
        ]
        assert "COUNT(" in queries[-1]["sql"]

    def test_backend_named_only_by_courses(self):
        f.course("course-v1:edX+A+1", provider="mockprock")
        f.course("course-v1:edX+A+2", provider="lti_external")  # edx-exams: no edx-proctoring backend
        with override_settings(PROCTORING_BACKENDS={"DEFAULT": "null", "null": {}}):
            [message] = check_backends_loaded(databases=["default"])
        assert message.msg == (
            "The proctoring backend 'mockprock' is not loaded by edx-proctoring: proctored exams on it fail when "
            "learners start them. Proctored courses using it: 1 on database 'default'. Why: no installed package "
            "provides an openedx.proctoring entry point named 'mockprock'; PROCTORING_BACKENDS has no entry "
            "'mockprock', and edx-proctoring loads only configured backends."
        )

    def test_legacy_backend_that_is_not_configured_and_unused_is_not_checked(self):
        with override_settings(PROCTORING_BACKENDS={"DEFAULT": "null", "null": {}}):
            assert not check_backends_loaded(databases=["default"])

    def test_before_migrate_says_which_migrate_to_run(self):
        with mock.patch.object(bl, "require_tables", side_effect=NotMigrated("Database 'default' has no table x.")):
            [message] = check_backends_loaded(databases=["default"])
        assert message.msg == (
            f"{NOT_LOADED} Courses using it: not counted. Database 'default' has no table x. {NAMED} "
            f"Why: {NO_ENTRY_POINT}."
        )

    def test_a_database_that_cannot_be_read(self):
        with mock.patch.object(bl, "count_courses", side_effect=OperationalError(SECRET)):
            [message] = check_backends_loaded(databases=["default"])
        assert "Courses using it: not counted. Database 'default' cannot be read (OperationalError)." in message.msg
        assert SECRET not in message.msg + message.hint

    @override_settings(TOGGLES_MIGRATION={"STRICT": True})
    def test_error_under_strict(self):
        [message] = check_backends_loaded()
        assert (message.id, type(message)) == (n.BACKEND_NOT_LOADED, checks.Error)

    @override_settings(TOGGLES_MIGRATION={"LEGACY_BACKENDS": []})
    def test_default_alone(self):
        [message] = check_backends_loaded()
        assert "Named by PROCTORING_BACKENDS['DEFAULT']. Why:" in message.msg

    @ddt.data({"DEFAULT": "null", "null": {}}, "not a dict", {"DEFAULT": ["x"], "null": {}})
    def test_nothing_in_use_is_missing(self, backends):
        with override_settings(PROCTORING_BACKENDS=backends, TOGGLES_MIGRATION={"LEGACY_BACKENDS": []}):
            assert not check_backends_loaded()

    def test_loaded_backends_report_nothing_and_read_no_entry_point(self):
        entry_points = self.mock_edx_proctoring(loaded=("null", "proctortrack"))
        assert not check_backends_loaded()
        entry_points.assert_not_called()

    def test_invalid_toggles_migration_is_left_to_e005(self):
        with override_settings(TOGGLES_MIGRATION="bad"):
            assert not check_backends_loaded()

    def test_no_secret_in_any_message(self):
        failure = {"proctortrack": bl.LoadFailure("ValueError", "")}
        self.mock_edx_proctoring(found={"proctortrack": (entry_point(),)}, failures=failure)
        [message] = check_backends_loaded()
        assert SECRET not in message.msg + message.hint

    def test_check_is_registered(self):
        assert check_backends_loaded in checks.registry.registry.get_checks()


def run(*args):
    out = StringIO()
    call_command("retire_toggle", *args, stdout=out)
    return out.getvalue()


@override_settings(PROCTORING_BACKENDS=BACKENDS)
class SettingsActionTest(Mocked):
    """``retire_toggle settings`` shows whether edx-proctoring loaded each configured backend."""

    def setUp(self):
        self.mock_edx_proctoring()

    def test_json(self):
        assert json.loads(run("settings", "--format", "json"))["backend_loading"] == {
            "null": {"fix": "", "loaded": True, "reason": ""},
            "proctortrack": {"fix": INSTALL_V2, "loaded": False, "reason": NO_ENTRY_POINT},
        }

    def test_text(self):
        assert (
            "\n\nLoaded by edx-proctoring:\n  null: loaded\n"
            f"  proctortrack: NOT LOADED: {NO_ENTRY_POINT}.\n    Fix: {INSTALL_V2}.\n"
        ) in run("settings")


@pytest.mark.django_db
@override_settings(PROCTORING_BACKENDS=BACKENDS)
def test_plan_shows_whether_its_backends_are_loaded():
    with mock.patch.object(bl, "loaded_backends", return_value=set().__contains__):
        text = run("plan")
        data = json.loads(run("plan", "--format", "json"))
    assert text.endswith(
        f"\nLoaded by edx-proctoring:\n  proctortrack: NOT LOADED: {NO_ENTRY_POINT}.\n    Fix: {INSTALL_V2}.\n"
    )
    assert data["backend_loading"] == {"proctortrack": {"fix": INSTALL_V2, "loaded": False, "reason": NO_ENTRY_POINT}}


def test_no_backend_to_check():
    assert rendering.backend_loading_lines({}) == ["Loaded by edx-proctoring: no backend to check."]
