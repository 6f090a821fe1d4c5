"""Shared read counts stay exact under concurrent threads and processes; the call-site index stays bounded."""
# pylint: disable=protected-access  # white-box tests of the counts' cache keys

import os
import subprocess
import sys
import threading
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.core.cache import cache

from toggles_migration.reads import counts, read_counts

NAME = "studio.show_review_rules"
ROOT = Path(__file__).resolve().parent.parent
# The process test needs a cache that processes share; `make test-redis` runs this file with Redis.
SHARED_CACHE = "redis" in settings.CACHES["default"]["BACKEND"].lower()

WORKER = """
import sys

import django

django.setup()
from toggles_migration.reads import counts

counts.FLUSH_SECONDS = 0.005  # flushes far more often than the real 1 s: many concurrent writes
reads, sites = int(sys.argv[1]), int(sys.argv[2])
for number in range(reads):
    counts.record(sys.argv[3], f"app/views.py:{number % sites} in view", number % 2 == 0, "default")
counts.flush_counts()
"""


@pytest.fixture(autouse=True)
def empty_counts():
    """Start with no pending counts in this process and an empty shared cache."""
    counts.reset_counts()
    cache.clear()
    yield
    counts.reset_counts()


def site_reads(report):
    """{call site: reads} of a read_counts report."""
    return {site["call_site"]: site["reads"] for site in report["call_sites"]}


def test_threads_flushing_at_once_keep_every_site_count_exact():
    def read_many(thread):
        for number in range(4000):
            counts.record(NAME, f"site-{(number + thread) % 4}", number % 2 == 0, "default")

    with mock.patch.object(counts, "FLUSH_SECONDS", 0.002):
        threads = [threading.Thread(target=read_many, args=(thread,)) for thread in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    report = read_counts(NAME)
    assert (report["reads"], report["mismatches"]) == (32_000, 16_000)
    assert site_reads(report) == {f"site-{number}": 8000 for number in range(4)}
    assert sum(site["mismatches"] for site in report["call_sites"]) == 16_000


@pytest.mark.skipif(not SHARED_CACHE, reason="processes share counts only through Redis (make test-redis)")
def test_processes_flushing_at_once_keep_every_site_count_exact():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "test_settings", "PYTHONPATH": str(ROOT)}
    workers = [
        subprocess.Popen([sys.executable, "-c", WORKER, "2000", "5", NAME], cwd=ROOT, env=env, stderr=subprocess.PIPE)
        for _ in range(4)
    ]
    errors = [worker.communicate(timeout=300)[1] for worker in workers]
    assert [worker.returncode for worker in workers] == [0, 0, 0, 0], errors
    report = read_counts(NAME)
    assert (report["reads"], report["mismatches"]) == (8000, 4000)
    assert site_reads(report) == {f"app/views.py:{number} in view": 1600 for number in range(5)}


def test_busiest_sites_come_first_then_by_name_and_the_list_is_bounded():
    for site, reads in [("b", 3), ("a", 3), ("c", 5), ("d", 1)]:
        for _ in range(reads):
            counts.record(NAME, site, False, "default")
    with mock.patch.object(counts, "TOP_CALL_SITES", 3):
        report = read_counts(NAME)
    assert [(site["call_site"], site["reads"]) for site in report["call_sites"]] == [("c", 5), ("a", 3), ("b", 3)]
    assert report["reads"] == 12


def test_sites_beyond_the_index_bound_still_count_in_the_total():
    with mock.patch.object(counts, "MAX_INDEXED_SITES", 2):
        for site in ("first", "second", "third"):
            counts.record(NAME, site, False, "default")
            counts.flush_counts()
        report = read_counts(NAME)
    assert (report["reads"], sorted(site_reads(report))) == (3, ["first", "second"])


def test_a_site_is_indexed_once_however_often_it_is_flushed():
    for _ in range(3):
        counts.record(NAME, "app/views.py:1 in view", False, "default")
        counts.flush_counts()
    assert cache.get(counts.KEY_PREFIX + NAME + ":sites:next") == 1
    assert site_reads(read_counts(NAME)) == {"app/views.py:1 in view": 3}


def test_call_site_labels_never_become_cache_keys():
    label = "templates/a b.html:3 in <module>\n" + "x" * 300
    counts.record(NAME, label, True, "default")
    counts.flush_counts()
    site_key = counts._site_key(NAME, label)
    assert (len(site_key), " " in site_key, "\n" in site_key) == (len(counts.KEY_PREFIX + NAME) + 30, False, False)
    assert read_counts(NAME)["call_sites"] == [{"call_site": label, "reads": 1, "mismatches": 1, "last_seen": mock.ANY}]


def test_each_site_reports_its_last_read():
    clock = {"now": 100.0}
    with mock.patch.object(counts.time, "time", lambda: clock["now"]), mock.patch.object(counts, "FLUSH_SECONDS", 1e9):
        counts.record(NAME, "a", False, "default")
        clock["now"] = 250.0
        counts.record(NAME, "a", False, "default")
    report = read_counts(NAME)
    assert (report["first_seen"], report["last_seen"], report["call_sites"][0]["last_seen"]) == (100.0, 250.0, 250.0)


def test_a_new_site_counts_from_zero_when_its_key_vanished_in_between():
    counts.record(NAME, "a", False, "default")
    counts.flush_counts()
    cache.delete(counts._site_key(NAME, "a") + ":reads")
    counts.record(NAME, "a", False, "default")
    counts.flush_counts()
    assert (read_counts(NAME)["reads"], site_reads(read_counts(NAME))) == (2, {"a": 1})
