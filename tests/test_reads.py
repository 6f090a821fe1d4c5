"""Remaining reads of a retired toggle: every read path, the modes, rate-limited reports and shared counts."""
# pylint: disable=toggle-missing-annotation  # the tests read the retired flag through edx-toggles: they declare none

import json
import logging
import threading
import warnings
from datetime import UTC, datetime
from io import StringIO
from unittest import mock

import crum
import pytest
import waffle  # pylint: disable=invalid-django-waffle-import  # django-waffle's own read path is under test
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.template import Context, Template
from django.test import RequestFactory
from edx_django_utils.cache import RequestCache
from edx_toggles.toggles import WaffleFlag
from opaque_keys.edx.keys import CourseKey
from waffle.models import Flag

from test_utils.waffle_utils import CourseWaffleFlag
from test_utils.waffle_utils.models import WaffleFlagCourseOverrideModel
from tests.factories import course_ids_ignore_case
from toggles_migration import SHOW_REVIEW_RULES_FLAG, RetiredToggleRead, RetiredToggleWarning, reads
from toggles_migration.reads import counts, notify

User = get_user_model()

NAME = "studio.show_review_rules"
TIED = datetime(2024, 3, 1, 12, tzinfo=UTC)
COURSE = CourseKey.from_string("course-v1:edX+DemoX+2024")
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clean_reads():
    """Hook the stand-in CourseWaffleFlag too, and start every test with no counts and no rate limits."""
    reads.uninstall()
    reads.install(extra_classes=[CourseWaffleFlag])
    counts.reset_counts()
    notify.reset_rate_limits()
    cache.clear()
    RequestCache.clear_all_namespaces()
    yield
    crum.set_current_request(None)
    reads.uninstall()
    reads.install()


@pytest.fixture(name="request_")
def request_fixture():
    """A request from a signed-in course author."""
    request = RequestFactory().get("/")
    request.user = User.objects.create(username="author")
    return request


@pytest.fixture(name="flag_on")
def flag_on_fixture():
    """The retired flag, on for everyone."""
    return Flag.objects.create(name=NAME, everyone=True)


def counted():
    """The shared counts of the retired flag."""
    return reads.read_counts(NAME)


def read_sites():
    """The call sites counted so far."""
    return [site["call_site"] for site in counted()["call_sites"]]


def here(offset=0):
    """The call site label of the caller's line, shifted by ``offset`` lines."""
    frame = __import__("sys")._getframe(1)
    return f"tests/test_reads.py:{frame.f_lineno + offset} in {frame.f_code.co_name}"


class TestEveryReadPath:
    """A read through each path is noticed exactly once, at the right call site."""

    @pytest.mark.usefixtures("flag_on")
    def test_django_waffle_flag_is_active(self, request_):
        site = here(1)
        assert waffle.flag_is_active(request_, NAME) is True
        assert counted()["reads"] == 1
        assert read_sites() == [site]

    @pytest.mark.usefixtures("flag_on")
    def test_flag_template_tag(self, request_):
        template = Template("{% load waffle_tags %}{% flag 'studio.show_review_rules' %}on{% else %}off{% endflag %}")
        site = here(1)
        assert template.render(Context({"request": request_})) == "on"
        assert counted()["reads"] == 1
        assert read_sites() == [site]

    @pytest.mark.usefixtures("flag_on")
    def test_edx_toggles_with_request_including_cached_repeats(self, request_):
        crum.set_current_request(request_)
        flag = WaffleFlag(NAME, __name__)
        first, second = here(1), here(2)
        assert flag.is_enabled() is True
        assert flag.is_enabled() is True  # answered from the request cache
        assert counted()["reads"] == 2
        assert sorted(read_sites()) == sorted([first, second])

    @pytest.mark.usefixtures("flag_on")
    def test_edx_toggles_without_request(self):
        site = here(1)
        assert WaffleFlag(NAME, __name__).is_enabled() is True
        assert read_sites() == [site]

    def test_course_waffle_flag_answered_by_a_course_override(self):
        Flag.objects.create(name=NAME, everyone=False)
        WaffleFlagCourseOverrideModel.objects.create(waffle_flag=NAME, course_id=COURSE, enabled=True)
        site = here(1)
        assert CourseWaffleFlag(NAME, __name__).is_enabled(COURSE) is True
        assert counted()["reads"] == 1
        assert read_sites() == [site]

    def test_drop_in_flag(self):
        WaffleFlagCourseOverrideModel.objects.create(waffle_flag=NAME, course_id=COURSE, enabled=True)
        first, second = here(1), here(2)
        assert SHOW_REVIEW_RULES_FLAG.is_enabled(COURSE) is True
        assert SHOW_REVIEW_RULES_FLAG.is_enabled() is False
        assert counted()["reads"] == 2
        assert sorted(read_sites()) == sorted([first, second])

    def test_drop_in_has_the_course_waffle_flag_read_api(self):
        assert SHOW_REVIEW_RULES_FLAG.name == NAME
        assert SHOW_REVIEW_RULES_FLAG.module_name == "cms.djangoapps.contentstore.config.waffle"

    def test_other_flags_are_not_noticed(self, request_):
        Flag.objects.create(name="studio.other", everyone=True)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert waffle.flag_is_active(request_, "studio.other") is True
            assert WaffleFlag("studio.other", __name__).is_enabled() is True
        assert counted()["reads"] == 0

    def test_uninstall_restores_every_method(self):
        reads.uninstall()
        assert "is_active" not in Flag.__dict__
        assert WaffleFlag.is_enabled.__qualname__ == "WaffleFlag.is_enabled"
        assert CourseWaffleFlag.is_enabled.__qualname__ == "CourseWaffleFlag.is_enabled"
        assert not reads.installed()


class TestModes:
    """What the caller gets in each TOGGLES_MIGRATION['READS'] mode."""

    @pytest.fixture(autouse=True)
    def backends(self, settings):
        """Proctortrack with the option explicitly True, while the legacy flag is off."""
        settings.PROCTORING_BACKENDS = {"DEFAULT": "proctortrack", "proctortrack": {"show_review_rules": True}}
        Flag.objects.create(name=NAME, everyone=False)

    def test_warn_gives_the_legacy_answer_and_a_warning(self, settings, request_):
        settings.TOGGLES_MIGRATION = {"READS": "warn"}
        with pytest.warns(RetiredToggleWarning, match="studio.show_review_rules is retired") as caught:
            assert waffle.flag_is_active(request_, NAME) is False
        # Only ours: an old newrelic agent warns about its own deprecated API from the monitoring call.
        [ours] = [warning for warning in caught if issubclass(warning.category, RetiredToggleWarning)]
        assert ours.filename.endswith("tests/test_reads.py")

    def test_redirect_gives_the_new_options_answer(self, settings, request_):
        settings.TOGGLES_MIGRATION = {"READS": "redirect"}
        with pytest.warns(RetiredToggleWarning):
            assert waffle.flag_is_active(request_, NAME) is True

    @pytest.mark.usefixtures("request_")
    def test_redirect_reads_the_normalised_setting(self, settings):
        settings.TOGGLES_MIGRATION = {"READS": "redirect"}
        settings.PROCTORING_BACKENDS = {"DEFAULT": "proctortrack", "proctortrack": {"show_review_rules": "false"}}
        # The shim normalises at settings load; here the test stands in for it.
        from toggles_migration import normalise_proctoring_backends

        settings.PROCTORING_BACKENDS = normalise_proctoring_backends(settings.PROCTORING_BACKENDS).value
        with pytest.warns(RetiredToggleWarning):
            assert WaffleFlag(NAME, __name__).is_enabled() is False

    def test_error_raises(self, settings, request_):
        settings.TOGGLES_MIGRATION = {"READS": "error"}
        with pytest.raises(RetiredToggleRead, match=r"studio.show_review_rules is retired and was read at tests/"):
            waffle.flag_is_active(request_, NAME)
        assert counted()["reads"] == 1

    def test_silent_warns_and_logs_nothing_but_counts(self, settings, request_, caplog):
        settings.TOGGLES_MIGRATION = {"READS": "silent"}
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert waffle.flag_is_active(request_, NAME) is False
        assert not [record for record in caplog.records if record.name == "toggles_migration.reads"]
        assert counted()["reads"] == 1


class TestReports:
    """Structured, rate-limited log records; a monitoring attribute; the mismatches."""

    def _records(self, caplog):
        return [record for record in caplog.records if record.name == "toggles_migration.reads"]

    def test_log_record_fields(self, request_, caplog, settings):
        settings.PROCTORING_BACKENDS = {"DEFAULT": "proctortrack", "proctortrack": {"show_review_rules": True}}
        Flag.objects.create(name=NAME, everyone=False)
        site = here(2)
        with caplog.at_level(logging.WARNING), pytest.warns(RetiredToggleWarning):
            waffle.flag_is_active(request_, NAME)
        [record] = self._records(caplog)
        assert (record.toggle, record.call_site, record.mode) == (NAME, site, "warn")
        assert (record.legacy_answer, record.new_answer, record.differs, record.suppressed) == (False, True, True, 0)

    def test_one_record_per_call_site_per_interval_and_exact_counts(self, caplog):
        # Straight through the read handler: what is under test is the notify, not django-waffle's speed.
        with caplog.at_level(logging.WARNING), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for _ in range(100_000):
                reads.handle_read(NAME, lambda: True)
        assert len(self._records(caplog)) == 1
        assert counted()["reads"] == 100_000
        assert len(counted()["call_sites"]) == 1

    @pytest.mark.usefixtures("flag_on")
    def test_suppressed_reads_are_reported_in_the_next_record(self, request_, caplog, settings):
        settings.TOGGLES_MIGRATION = {"READS_LOG_INTERVAL": 60}
        clock = mock.patch.object(notify, "_now", side_effect=[1000, 1001, 1002, 1070])
        with clock, caplog.at_level(logging.WARNING), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for _ in range(4):
                waffle.flag_is_active(request_, NAME)
        assert [record.suppressed for record in self._records(caplog)] == [0, 2]

    @pytest.mark.usefixtures("flag_on")
    def test_monitoring_attribute(self, request_):
        with (
            mock.patch.object(notify, "set_custom_attribute") as attribute,
            pytest.warns(RetiredToggleWarning),
        ):
            waffle.flag_is_active(request_, NAME)
        attribute.assert_called_once_with("retired_toggle_read", NAME)

    @pytest.mark.parametrize("mode", ["warn", "redirect", "silent"])
    @pytest.mark.usefixtures("flag_on")
    def test_monitoring_attribute_on_every_read_not_only_logged_ones(self, request_, settings, mode):
        settings.TOGGLES_MIGRATION = {"READS": mode, "READS_LOG_INTERVAL": 300}
        with mock.patch.object(notify, "set_custom_attribute") as attribute, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for _ in range(3):
                waffle.flag_is_active(request_, NAME)
        assert attribute.call_args_list == [mock.call("retired_toggle_read", NAME)] * 3

    def test_mismatches_are_counted_per_call_site(self, request_, settings):
        settings.PROCTORING_BACKENDS = {"DEFAULT": "proctortrack", "proctortrack": {"show_review_rules": True}}
        Flag.objects.create(name=NAME, everyone=False)
        with pytest.warns(RetiredToggleWarning):
            waffle.flag_is_active(request_, NAME)
        assert counted()["mismatches"] == 1
        assert counted()["call_sites"][0]["mismatches"] == 1


class TestRobustness:
    """Threads keep counts exact; a cache outage loses counts, never a read."""

    def test_concurrent_reads_keep_counts_exact(self):
        errors = []

        def read_many():
            try:
                for _ in range(5000):
                    reads.handle_read(NAME, lambda: True)
            except Exception as error:  # noqa: BLE001  # pylint: disable=broad-exception-caught  # asserted below
                errors.append(error)

        with warnings.catch_warnings(), mock.patch.object(counts, "FLUSH_SECONDS", 0.05):
            warnings.simplefilter("ignore")
            threads = [threading.Thread(target=read_many) for _ in range(8)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        assert not errors
        assert counted()["reads"] == 40_000

    @pytest.mark.usefixtures("flag_on")
    def test_cache_outage_never_breaks_a_read(self, request_, settings):
        settings.CACHES = {
            "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
            "broken": {"BACKEND": "test_utils.broken_cache.BrokenCache"},
        }
        settings.TOGGLES_MIGRATION = {"READS_CACHE": "broken"}
        with pytest.warns(RetiredToggleWarning):
            assert waffle.flag_is_active(request_, NAME) is True
        counts.flush_counts()
        assert reads.read_counts(NAME, "broken") is None


class TestStatusAction:
    """`retire_toggle status` shows the capture state, verify's result and the counts."""

    @pytest.mark.usefixtures("flag_on")
    def test_status_json(self, request_):
        with pytest.warns(RetiredToggleWarning):
            waffle.flag_is_active(request_, NAME)
        out = StringIO()
        call_command("retire_toggle", "status", "--format", "json", stdout=out)
        report = json.loads(out.getvalue())
        assert report["reads"]["reads"] == 1
        assert report["tracer_installed"] is True
        assert report["state"] in ("captured", "not captured", "pruned")
        assert report["verify"]["exit_code"] in (0, 1, 2)

    @pytest.mark.usefixtures("flag_on")
    def test_status_text(self, request_):
        with pytest.warns(RetiredToggleWarning):
            waffle.flag_is_active(request_, NAME)
        out = StringIO()
        call_command("retire_toggle", "status", stdout=out)
        assert "Remaining reads: 1 (0 where the legacy answer differs" in out.getvalue()
        assert "tests/test_reads.py:" in out.getvalue()


class TestDropInFlagFollowsUpstream:
    """The drop-in flag runs upstream's override query: the database compares the keys and breaks the ties."""

    @staticmethod
    def _insert(row_id, choice, enabled, course_id="course-v1:edX+DemoX+2024"):
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {WaffleFlagCourseOverrideModel._meta.db_table} "
                "(id, change_date, enabled, waffle_flag, course_id, override_choice, note) "
                "VALUES (%s, %s, %s, %s, %s, %s, '')",
                [row_id, connection.ops.adapt_datetimefield_value(TIED), enabled, NAME, course_id, choice],
            )

    @staticmethod
    def _legacy(course_key):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RetiredToggleWarning)
            return SHOW_REVIEW_RULES_FLAG.is_enabled(course_key)

    @pytest.mark.parametrize(
        ("rows", "expected"),
        [
            ([(3, "on", True), (5, "off", True)], True),
            ([(3, "off", True), (5, "on", True)], False),
            ([(3, "on", False), (5, "on", True)], False),
            ([(3, "on", True), (5, "on", False)], True),
        ],
    )
    def test_tie_goes_where_upstreams_query_goes(self, rows, expected):
        if connection.vendor == "postgresql":
            # A fresh heap: PostgreSQL reads tied rows in storage order, which reused space can make out of id order.
            with connection.cursor() as cursor:
                cursor.execute(f"TRUNCATE {WaffleFlagCourseOverrideModel._meta.db_table}")
        Flag.objects.create(name=NAME, everyone=False)
        for row in rows:
            self._insert(*row)
        upstream = WaffleFlagCourseOverrideModel.override_value(NAME, COURSE)
        assert self._legacy(COURSE) is (upstream == "on")
        # Rows inserted in id order: every database returned the lowest id.
        assert self._legacy(COURSE) is expected

    def test_course_id_case_as_the_database_compares(self):
        Flag.objects.create(name=NAME, everyone=False)
        self._insert(1, "on", True, course_id="course-v1:EDX+demox+2024")
        assert self._legacy(COURSE) is course_ids_ignore_case(connection)


class TestDropInFlagRequestCache:
    """The drop-in flag caches its override lookups per request, under upstream's keys, as override_value does."""

    @staticmethod
    def _read(course_key):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RetiredToggleWarning)
            return SHOW_REVIEW_RULES_FLAG.is_enabled(course_key)

    def test_a_repeated_read_in_a_request_queries_nothing(self, django_assert_num_queries):
        Flag.objects.create(name=NAME, everyone=False)
        WaffleFlagCourseOverrideModel.objects.create(
            waffle_flag=NAME, course_id=COURSE, override_choice="on", enabled=True
        )
        assert self._read(COURSE) is True
        with django_assert_num_queries(0):
            assert self._read(COURSE) is True

    def test_the_next_request_reads_again(self):
        Flag.objects.create(name=NAME, everyone=False)
        assert self._read(COURSE) is False
        WaffleFlagCourseOverrideModel.objects.create(
            waffle_flag=NAME, course_id=COURSE, override_choice="on", enabled=True
        )
        RequestCache.clear_all_namespaces()  # RequestCacheMiddleware does this at the end of each request
        assert self._read(COURSE) is True

    def test_cache_keys_are_upstreams(self):
        Flag.objects.create(name=NAME, everyone=False)
        self._read(COURSE)
        cached = SHOW_REVIEW_RULES_FLAG.cached_flags()
        assert {f"{NAME}.cwaffle.{COURSE}", f"{NAME}.owaffle.{COURSE.org}"} <= set(cached)

    @pytest.mark.parametrize("model_name", ["WaffleFlagCourseOverrideModel", "WaffleFlagOrgOverrideModel"])
    def test_the_query_is_upstreams(self, model_name):
        from django.apps import apps  # pylint: disable=import-outside-toplevel
        from django.test.utils import CaptureQueriesContext  # pylint: disable=import-outside-toplevel

        from toggles_migration.reads.flag import _override  # pylint: disable=import-outside-toplevel

        model = apps.get_model("waffle_utils", model_name)
        key_field, key = ("course_id", COURSE) if model_name.startswith("WaffleFlagCourse") else ("org", COURSE.org)
        with CaptureQueriesContext(connection) as ours:
            _override(model_name, NAME, key_field, key)
        with CaptureQueriesContext(connection) as upstream:
            model.override_value(NAME, key)
        assert [query["sql"] for query in ours] == [query["sql"] for query in upstream]


@pytest.mark.usefixtures("flag_on")
def test_a_monitoring_failure_never_breaks_a_read(request_):
    with (
        mock.patch.object(notify, "set_custom_attribute", side_effect=AttributeError("add_custom_parameter")),
        pytest.warns(RetiredToggleWarning),
    ):
        assert waffle.flag_is_active(request_, NAME) is True
