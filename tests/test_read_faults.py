"""A read of a retired flag never fails or stalls a request: bad runtime settings, a hung cache, stale answers."""

import importlib.util
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import warnings
from datetime import UTC, datetime, timedelta

import pytest
import waffle  # pylint: disable=invalid-django-waffle-import  # django-waffle's own read path is under test
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.urls import path
from edx_django_utils.cache import RequestCache
from edx_toggles.toggles import WaffleFlag
from opaque_keys.edx.keys import CourseKey
from waffle.models import Flag

from test_utils.waffle_utils.models import WaffleFlagCourseOverrideModel
from toggles_migration import SHOW_REVIEW_RULES_FLAG, reads
from toggles_migration.reads import counts, notify

NAME = "studio.show_review_rules"
COURSE = CourseKey.from_string("course-v1:edX+DemoX+2024")
LOGGER = "toggles_migration.reads"
pytestmark = pytest.mark.django_db


def course_view(_request: HttpRequest) -> HttpResponse:
    """A page that reads the drop-in flag for one course, as a fork's view would."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return HttpResponse(str(SHOW_REVIEW_RULES_FLAG.is_enabled(COURSE)))


urlpatterns = [path("course/", course_view)]


@pytest.fixture(autouse=True)
def clean_reads():
    """No counts, no rate limits, no request-cached answers, nothing left of another test's connections."""
    counts.reset_counts()
    notify.reset_rate_limits()
    RequestCache.clear_all_namespaces()
    yield
    counts.reset_counts()
    RequestCache.clear_all_namespaces()


def override(choice, minutes=0):
    """A course override of the retired flag, ``minutes`` newer than the first one."""
    row = WaffleFlagCourseOverrideModel.objects.create(
        waffle_flag=NAME, course_id=COURSE, override_choice=choice, enabled=True
    )
    WaffleFlagCourseOverrideModel.objects.filter(pk=row.pk).update(
        change_date=datetime(2024, 3, 1, tzinfo=UTC) + timedelta(minutes=minutes)
    )


def drop_in_read():
    """Read the drop-in flag for COURSE, warnings recorded; return (answer, warnings)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        answer = SHOW_REVIEW_RULES_FLAG.is_enabled(COURSE)
    return answer, caught


def invalid_records(caplog):
    """The messages logged about reads answered under invalid settings."""
    return [record.getMessage() for record in caplog.records if "TOGGLES_MIGRATION is invalid" in record.getMessage()]


INVALID = (
    "Retired toggle studio.show_review_rules got its legacy answer, neither counted nor reported, because "
    "TOGGLES_MIGRATION is invalid: {} (0 times more since the last record.)"
)


class TestInvalidSettingsAtRunTime:
    """TOGGLES_MIGRATION made invalid after startup: the legacy answer, and one log record per interval."""

    @pytest.mark.parametrize(
        "value, problem",
        [
            (
                ["READS", "warn"],
                "TOGGLES_MIGRATION must be a dict, found list. Fix: set TOGGLES_MIGRATION = "
                "{'LEGACY_BACKENDS': ['proctortrack']}, or remove it to use the defaults.",
            ),
            (
                {"READS": "loud"},
                "TOGGLES_MIGRATION['READS'] must be one of 'warn', 'redirect', 'error', 'silent', found str 'loud'. "
                "Fix: set TOGGLES_MIGRATION['READS'] to one of 'warn', 'redirect', 'error', 'silent'.",
            ),
        ],
    )
    def test_the_drop_in_flag_gives_the_legacy_answer_and_logs_the_problem(self, settings, caplog, value, problem):
        Flag.objects.create(name=NAME, everyone=False)
        override("on")
        settings.TOGGLES_MIGRATION = value
        answer, caught = drop_in_read()
        assert answer is True
        assert not caught
        assert invalid_records(caplog) == [INVALID.format(problem)]

    def test_an_assignment_after_startup_is_seen_too(self, caplog):
        Flag.objects.create(name=NAME, everyone=True)
        request = RequestFactory().get("/")
        request.user = get_user_model().objects.create(username="author")
        had = hasattr(django_settings, "TOGGLES_MIGRATION")
        previous = getattr(django_settings, "TOGGLES_MIGRATION", None)
        django_settings.TOGGLES_MIGRATION = "warn"
        try:
            assert waffle.flag_is_active(request, NAME) is True
        finally:
            if had:
                django_settings.TOGGLES_MIGRATION = previous
            else:
                del django_settings.TOGGLES_MIGRATION
        assert invalid_records(caplog) == [
            INVALID.format(
                "TOGGLES_MIGRATION must be a dict, found str. Fix: set TOGGLES_MIGRATION = "
                "{'LEGACY_BACKENDS': ['proctortrack']}, or remove it to use the defaults."
            )
        ]

    def test_logged_once_per_interval_then_with_the_reads_since(self, settings, caplog, monkeypatch):
        Flag.objects.create(name=NAME, everyone=False)
        settings.TOGGLES_MIGRATION = []
        clock = [1000.0]
        monkeypatch.setattr(notify, "_now", lambda: clock[0])
        for _ in range(3):
            drop_in_read()
        clock[0] += 300
        drop_in_read()
        problem = (
            "TOGGLES_MIGRATION must be a dict, found list. Fix: set TOGGLES_MIGRATION = "
            "{'LEGACY_BACKENDS': ['proctortrack']}, or remove it to use the defaults."
        )
        assert invalid_records(caplog) == [
            INVALID.format(problem),
            INVALID.format(problem).replace("(0 times", "(2 times"),
        ]

    def test_the_error_mode_is_not_applied_from_an_invalid_value(self, settings):
        Flag.objects.create(name=NAME, everyone=True)
        settings.TOGGLES_MIGRATION = {"READS": "error", "STRICT": "yes"}
        assert drop_in_read()[0] is True


def never_answering_server():
    """A listening socket that the kernel connects to and nobody ever reads: a hung cache server."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    return server


DJANGO_REDIS = "django.core.cache.backends.redis.RedisCache"
# Tutor's backend; tested where django-redis is installed (it is not among the pinned test requirements yet).
DJANGO_REDIS_PACKAGE = pytest.param(
    "django_redis.cache.RedisCache",
    marks=pytest.mark.skipif(importlib.util.find_spec("django_redis") is None, reason="django-redis is not installed"),
)


def redis_caches(port, backend=DJANGO_REDIS, **options):
    """CACHES with the counts in a Redis at ``port`` (Django's own RedisCache unless ``backend`` says)."""
    return {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "counts": {"BACKEND": backend, "LOCATION": f"redis://127.0.0.1:{port}/0", "OPTIONS": options},
    }


def timed_read():
    """One drop-in read with a flush due; return (answer, seconds it took)."""
    start = time.monotonic()
    answer = drop_in_read()[0]
    return answer, time.monotonic() - start


def lost(error):
    """The record of one flush lost to ``error``, the type redis-py raised."""
    return (
        f"Could not store the counts of 1 retired toggle reads in cache 'counts' ({error}); they are lost, and the "
        "counts wait 30 s in memory before the next try. Check that cache, or point TOGGLES_MIGRATION['READS_CACHE'] "
        "at one that answers. (0 times more since the last record.)"
    )


# A socket that never answers times the read out; on a loaded machine the connect itself may time out first, which
# redis-py reports as a ConnectionError ("Timeout connecting to server"): either way the counts are lost, once.
LOST = lost("TimeoutError")
LOST_EITHER = ([lost("TimeoutError")], [lost("ConnectionError")])


def lost_records(caplog):
    """The messages logged about counts that could not be stored."""
    return [record.getMessage() for record in caplog.records if record.getMessage().startswith("Could not store")]


class TestHungCountsCache:
    """A cache that accepts and never answers costs a read a bounded wait; the counts are dropped and logged."""

    # Far below Redis' own 5 s: what the test can tell apart from a stall on a loaded machine (timings: make bench).
    BOUND = 1.0

    @pytest.mark.parametrize("backend", [DJANGO_REDIS, DJANGO_REDIS_PACKAGE])
    def test_a_socket_that_never_answers(self, settings, caplog, backend):
        Flag.objects.create(name=NAME, everyone=True)
        server = never_answering_server()
        try:
            settings.CACHES = redis_caches(server.getsockname()[1], backend)
            settings.TOGGLES_MIGRATION = {"READS_CACHE": "counts", "READS": "silent"}
            with caplog.at_level(logging.WARNING, LOGGER):
                answer, took = timed_read()
                counts.flush_counts()  # waits for the flushing thread
        finally:
            server.close()
        assert answer is True
        assert took < self.BOUND
        assert lost_records(caplog) in LOST_EITHER

    def test_the_counts_wait_after_a_failure_instead_of_trying_on_every_flush(self, settings, caplog, monkeypatch):
        Flag.objects.create(name=NAME, everyone=True)
        server = never_answering_server()
        attempts = []
        write = counts._write  # pylint: disable=protected-access  # counts the flushes that reach the cache

        def counted_write(*args):
            attempts.append(1)
            write(*args)

        monkeypatch.setattr(counts, "_write", counted_write)
        monkeypatch.setattr(counts, "FLUSH_SECONDS", 0.0)
        try:
            settings.CACHES = redis_caches(server.getsockname()[1])
            settings.TOGGLES_MIGRATION = {"READS_CACHE": "counts", "READS": "silent"}
            with caplog.at_level(logging.WARNING, LOGGER):
                for _ in range(5):
                    drop_in_read()
                    wait_for_the_flushing_thread()
        finally:
            server.close()
        assert len(attempts) == 1
        assert len(lost_records(caplog)) == 1

    def test_a_read_never_waits_for_the_flush(self, settings, monkeypatch):
        Flag.objects.create(name=NAME, everyone=True)
        monkeypatch.setattr(counts, "_write", lambda *_args: time.sleep(3))
        settings.TOGGLES_MIGRATION = {"READS": "silent"}
        answer, took = timed_read()
        wait_for_the_flushing_thread()
        assert answer is True
        assert took < self.BOUND

    def test_the_counts_connection_has_the_short_timeouts_and_the_sites_keeps_its_own(self, settings):
        settings.CACHES = redis_caches(6390, socket_timeout=5)
        bounded = counts._counts_cache("counts")  # pylint: disable=protected-access
        from django.core.cache import caches  # pylint: disable=import-outside-toplevel

        assert bounded is not caches["counts"]
        assert bounded._cache._pool_options["socket_timeout"] == counts.CACHE_TIMEOUT_SECONDS  # pylint: disable=protected-access
        assert bounded._cache._pool_options["socket_connect_timeout"] == counts.CACHE_TIMEOUT_SECONDS  # pylint: disable=protected-access
        assert caches["counts"]._cache._pool_options["socket_timeout"] == 5  # pylint: disable=protected-access

    def test_a_shorter_timeout_of_the_operator_is_kept(self, settings):
        settings.CACHES = redis_caches(6390, socket_timeout=0.001)
        bounded = counts._counts_cache("counts")  # pylint: disable=protected-access
        assert bounded._cache._pool_options["socket_timeout"] == 0.001  # pylint: disable=protected-access

    @pytest.mark.skipif(
        shutil.which("redis-server") is None, reason="needs redis-server (apt-get install redis-server)"
    )
    def test_a_stopped_redis_process(self, settings, caplog):
        Flag.objects.create(name=NAME, everyone=True)
        port = _free_port()
        redis = subprocess.Popen(  # pylint: disable=consider-using-with  # stopped, continued and ended below
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        try:
            _wait_for_redis(port)
            settings.CACHES = redis_caches(port)
            settings.TOGGLES_MIGRATION = {"READS_CACHE": "counts", "READS": "silent"}
            drop_in_read()  # counted: the connection is open and answered
            assert reads.read_counts(NAME, "counts")["reads"] == 1
            counts.reset_counts()
            os.kill(redis.pid, signal.SIGSTOP)
            with caplog.at_level(logging.WARNING, LOGGER):
                answer, took = timed_read()
                counts.flush_counts()  # waits for the flushing thread
        finally:
            os.kill(redis.pid, signal.SIGCONT)
            redis.terminate()
            redis.wait(timeout=10)
        assert answer is True
        assert took < self.BOUND
        assert lost_records(caplog) == [LOST]


def wait_for_the_flushing_thread():
    """Return once no flush runs (the flushing thread releases the lock when done)."""
    lock = counts._state.lock
    assert lock.acquire(timeout=10)
    lock.release()


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for_redis(port):
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as connection:
                connection.sendall(b"PING\r\n")
                if connection.recv(16).startswith(b"+PONG"):
                    return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"redis-server did not answer on port {port} within 10 s")


REQUEST_CACHE_MIDDLEWARE = "edx_django_utils.cache.middleware.RequestCacheMiddleware"


@pytest.mark.urls(__name__)
class TestAnswersLastOneRequest:
    """The drop-in flag's per-request answers are cleared as each request starts and ends."""

    @pytest.mark.parametrize("with_middleware", [False, True])
    def test_the_next_request_sees_the_changed_override(self, client, settings, with_middleware):
        if with_middleware:
            settings.MIDDLEWARE = [*settings.MIDDLEWARE, REQUEST_CACHE_MIDDLEWARE]
        assert REQUEST_CACHE_MIDDLEWARE in settings.MIDDLEWARE or not with_middleware
        Flag.objects.create(name=NAME, everyone=False)
        override("on")
        assert client.get("/course/").content == b"True"
        override("off", minutes=1)
        assert client.get("/course/").content == b"False"

    def test_answers_cached_outside_a_request_are_gone_when_one_starts(self, client):
        Flag.objects.create(name=NAME, everyone=False)
        override("on")
        assert drop_in_read()[0] is True
        override("off", minutes=1)
        assert client.get("/course/").content == b"False"

    def test_other_flags_answers_are_left_alone(self, client):
        WaffleFlag.cached_flags()["other.flag"] = True
        client.get("/course/")
        assert WaffleFlag.cached_flags() == {"other.flag": True}


def test_a_non_retired_read_runs_nothing_of_the_package_but_the_hook():
    """Through the tracer, another flag's read calls no function of the package beyond the hook itself."""
    Flag.objects.create(name="other.flag", everyone=True)
    flag = waffle.get_waffle_flag_model().get("other.flag")
    request = RequestFactory().get("/")
    package = os.path.dirname(reads.__file__).rsplit(os.sep, 1)[0]
    called = []

    def profile(frame, event, _arg):
        if event == "call" and frame.f_code.co_filename.startswith(package):
            called.append(f"{os.path.basename(frame.f_code.co_filename)}:{frame.f_code.co_name}")

    assert reads.installed()
    sys.setprofile(profile)
    try:
        assert flag.is_active(request) is True
    finally:
        sys.setprofile(None)
    assert called == ["tracer.py:is_active"]
