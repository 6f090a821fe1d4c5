"""The capture's stored plan: no value it writes grows with the site; export and the admin read its pieces."""

import json
import re
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from opaque_keys.edx.keys import CourseKey

from test_utils.course_overviews.models import CourseOverview
from tests import factories as f
from toggles_migration.models import Capture, PlanPiece
from toggles_migration.plan import json_data
from toggles_migration.state import batching, capture, export, stored_plan, streams

# A server packet of 16 KiB: statements of 8 KiB of values, so that a few hundred courses fill several pieces.
PACKET = 16 * 1024
BUDGET = PACKET // 2
LOW_PACKET = mock.patch.object(batching, "DEFAULT_PACKET", PACKET)


def seed_courses(count, start=0, flag=True):
    """Known proctored courses ``start`` to ``count``, most with an override, half without an escalation email."""
    if flag:
        f.flag(everyone=False)
    CourseOverview.objects.bulk_create(
        [
            CourseOverview(
                version=1,
                id=CourseKey.from_string(f"course-v1:BulkX+C{index}+1"),
                org="BulkX",
                enable_proctored_exams=True,
                proctoring_provider="proctortrack",
                proctoring_escalation_email="" if index % 2 else "help@example.com",
            )
            for index in range(start, count)
        ],
        batch_size=200,
    )
    f.bulk_course_overrides(count, start=start)


def lists_of(value, pointer=""):
    """Return {JSON Pointer: list} for every list of ``value`` reached through objects."""
    if isinstance(value, dict):
        return {
            key: found for name, member in value.items() for key, found in lists_of(member, f"{pointer}/{name}").items()
        }
    return {pointer: value} if isinstance(value, list) else {}


class StoredPlanTestCase(TestCase):
    """Without any capture, with a cold cache."""

    def setUp(self):
        super().setUp()
        cache.clear()
        f.forget_captures()


@LOW_PACKET
class BoundedPiecesTest(StoredPlanTestCase):
    """The plan's lists are stored in pieces under the statement budget; the head keeps only what the settings hold."""

    def test_every_piece_fits_the_statement_budget(self):
        seed_courses(300)
        capture.capture(f.context())
        sizes = [batching.value_bytes(json.dumps(items)) for items in PlanPiece.objects.values_list("items", flat=True)]
        assert len(sizes) > 4
        assert max(sizes) <= BUDGET

    def test_the_exceptions_fill_several_pieces(self):
        seed_courses(300)
        plan = capture.capture(f.context()).plan
        pieces = PlanPiece.objects.filter(path="/exceptions").values_list("items", flat=True)
        assert len(pieces) > 1
        assert [item for items in pieces for item in items] == json_data(plan)["exceptions"]

    def test_the_head_holds_every_list_empty(self):
        seed_courses(300)
        plan = json_data(capture.capture(f.context()).plan)
        head = Capture.objects.get().plan_json
        assert lists_of(head) == {key: [] for key in lists_of(plan)}
        assert {key: value for key, value in head.items() if not isinstance(value, (dict, list))} == {
            key: value for key, value in plan.items() if not isinstance(value, (dict, list))
        }

    def test_the_head_differs_only_in_its_counts_whatever_the_number_of_courses(self):
        seed_courses(9)
        capture.capture(f.context())
        few = json.dumps(Capture.objects.get().plan_json, sort_keys=True)
        seed_courses(300, start=9, flag=False)
        capture.capture(f.context(), refresh=True)
        many = json.dumps(Capture.objects.get().plan_json, sort_keys=True)
        assert few != many
        assert re.sub(r"\d+", "0", few) == re.sub(r"\d+", "0", many)

    def test_the_pieces_give_back_the_plan_as_computed(self):
        seed_courses(300)
        plan = capture.capture(f.context()).plan
        assert export.export(f.context()).plan == json_data(plan)

    def test_a_refresh_replaces_every_piece(self):
        seed_courses(300)
        capture.capture(f.context())
        f.course_override("course-v1:BulkX+C1+1", "off", change_date=f.START)
        plan = capture.capture(f.context(), refresh=True).plan
        seqs = list(PlanPiece.objects.values_list("seq", flat=True))
        assert seqs == list(range(len(seqs)))
        assert export.export(f.context()).plan == json_data(plan)

    def test_forgetting_the_capture_deletes_its_pieces(self):
        seed_courses(30)
        capture.capture(f.context())
        f.forget_captures()
        assert not PlanPiece.objects.exists()


@LOW_PACKET
class StreamedExportTest(StoredPlanTestCase):
    """export streams the plan's pieces, a few per query, into exactly the text of the whole export."""

    def _golden(self):
        return json.dumps(json_data(export.export(f.context())), indent=2, sort_keys=True)

    def test_pieces_across_pages(self):
        seed_courses(300)
        capture.capture(f.context())
        with mock.patch.object(streams, "PIECES_PAGE", 1):
            assert "".join(f.export_json(f.context())) == self._golden()

    def test_each_list_is_read_a_piece_at_a_time(self):
        seed_courses(300)
        capture.capture(f.context())
        lists = len(lists_of(Capture.objects.get().plan_json))
        with mock.patch.object(streams, "PIECES_PAGE", 1), CaptureQueriesContext(connection) as queries:
            "".join(f.export_json(f.context()))
        read = [query for query in queries if "toggles_migration_planpiece" in query["sql"]]
        # One query per piece, and per list one more that finds no further piece.
        assert len(read) == PlanPiece.objects.count() + lists

    def test_an_empty_list_is_written_empty(self):
        f.flag(everyone=True)
        capture.capture(f.context())
        assert '"exceptions": []' in self._golden()
        assert "".join(f.export_json(f.context())) == self._golden()


class AdminExceptionsTest(StoredPlanTestCase):
    """The admin's detail lists the exceptions of every piece."""

    @LOW_PACKET
    def test_the_detail_lists_every_exception(self):
        seed_courses(300)
        plan = json_data(capture.capture(f.context()).plan)
        user = get_user_model().objects.create_superuser("admin", "admin@example.com", "pw")
        self.client.force_login(user)
        page = self.client.get(reverse("admin:toggles_migration_capture_change", args=[Capture.objects.get().pk]))
        assert PlanPiece.objects.filter(path="/exceptions").count() > 1
        assert page.content.decode().count("<li>course course-v1:BulkX+") == len(plan["exceptions"])

    def test_a_plan_without_exceptions_says_so(self):
        f.flag(everyone=True)
        capture.capture(f.context())
        assert stored_plan.read_list(PlanPiece.objects, Capture.objects.get(), "exceptions") == []


@pytest.mark.parametrize(
    ("plan", "pointers"),
    [
        ({"a": [1, 2], "b": {"c": [3]}, "d": 4}, {"/a": [1, 2], "/b/c": [3]}),
        ({"a/b": [1], "c~d": [2]}, {"/a~1b": [1], "/c~0d": [2]}),
        ({"a": [[1], [2]]}, {"/a": [[1], [2]]}),
        ({"a": {}}, {}),
    ],
)
def test_split_empties_every_list_reached_through_objects(plan, pointers):
    head, pieces = stored_plan.split(plan, BUDGET)
    stored = {}
    for _, pointer, items, _ in pieces:
        stored.setdefault(pointer, []).extend(items)
    assert (lists_of(head), stored) == ({key.replace("~1", "/").replace("~0", "~"): [] for key in pointers}, pointers)


@pytest.mark.django_db
def test_one_value_fits_a_statement_only_under_the_servers_packet():
    if connection.vendor != "mysql":
        assert stored_plan.fits_one_statement(connection, {"quotes": "'" * 2**20})
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT @@max_allowed_packet")
        packet = int(cursor.fetchone()[0])
    # Half the packet of quotes, each escaped with a backslash: the statement would be larger than the packet.
    assert not stored_plan.fits_one_statement(connection, {"quotes": "'" * (packet // 2)})
    assert stored_plan.fits_one_statement(connection, {"letters": "x" * (packet // 2)})
