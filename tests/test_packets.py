"""Every statement of capture, prune and restore stays under MariaDB's ``max_allowed_packet``, whatever the rows."""
# pylint: disable=protected-access  # white-box tests of actions' byte encoding

import json
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import TransactionTestCase
from django.test.utils import CaptureQueriesContext
from opaque_keys.edx.keys import CourseKey

from test_utils.waffle_utils.models import WaffleFlagCourseOverrideModel
from tests import factories as f
from toggles_migration.models import Capture
from toggles_migration.state import batching, capture

NOTE = 64 * 1024
DEFAULT_PACKET = 16 * 2**20
LOWERED_PACKET = 4 * 2**20


def _packet():
    with connection.cursor() as cursor:
        cursor.execute("SELECT @@max_allowed_packet")
        return int(cursor.fetchone()[0])


def _seed_large_notes(count):
    """``count`` course overrides with 64 KiB notes, a quarter of them quotes that escaping doubles."""
    f.flag(everyone=False)
    note = ("n'" * (NOTE // 8)) + "x" * (NOTE * 3 // 4)
    WaffleFlagCourseOverrideModel.objects.bulk_create(
        [
            WaffleFlagCourseOverrideModel(
                waffle_flag=f.NAME, course_id=CourseKey.from_string(f"course-v1:BigX+C{index}+1"), note=note
            )
            for index in range(count)
        ],
        batch_size=10,
    )


class PacketTestCase(TransactionTestCase):
    """MariaDB or MySQL only: the other databases have no packet limit."""

    def setUp(self):
        super().setUp()
        if connection.vendor != "mysql":
            self.skipTest("max_allowed_packet is MariaDB's and MySQL's")
        cache.clear()
        f.forget_captures()

    def _round_trip(self, packet):
        """Capture, prune, restore and export through the command; every statement under ``packet`` bytes."""
        before = f.snapshot()
        with CaptureQueriesContext(connection) as queries:
            for action in ("capture", "prune", "restore"):
                call_command("retire_toggle", action, stdout=StringIO())
        largest = max(len(query["sql"].encode()) for query in queries.captured_queries)
        assert largest < packet
        assert f.snapshot() == before
        assert Capture.objects.get().state == "captured"
        out = StringIO()
        call_command("retire_toggle", "export", stdout=out)
        assert json.loads(out.getvalue())["rows"] == {table: list(rows) for table, rows in before.items() if rows}
        return largest


class DefaultPacketTest(PacketTestCase):
    """Round trips with the default packet size."""

    def test_rows_larger_than_the_default_packet_in_all_round_trip(self):
        if _packet() != DEFAULT_PACKET:
            self.skipTest(f"the server's max_allowed_packet is {_packet()}, not MariaDB's default")
        _seed_large_notes(300)
        captured_bytes = sum(len(capture._dumps(row)) for rows in f.snapshot().values() for row in rows)
        assert captured_bytes > DEFAULT_PACKET  # one INSERT of every captured row would fail (error 1153)
        assert self._round_trip(DEFAULT_PACKET) <= batching.statement_budget(connection)


class LoweredPacketTest(PacketTestCase):
    """The server's own, lower max_allowed_packet is read at run time (set globally, for new connections)."""

    def setUp(self):
        super().setUp()
        original = _packet()
        self.addCleanup(self._set_global_packet, original)
        self._set_global_packet(LOWERED_PACKET)

    @staticmethod
    def _set_global_packet(size):
        with connection.cursor() as cursor:
            cursor.execute(f"SET GLOBAL max_allowed_packet = {int(size)}")
        connection.close()  # the session value is read-only: a new connection takes the global one

    def test_the_servers_lower_packet_is_read(self):
        assert _packet() == LOWERED_PACKET
        assert batching.statement_budget(connection) == LOWERED_PACKET // 2
        _seed_large_notes(80)
        captured_bytes = sum(len(capture._dumps(row)) for rows in f.snapshot().values() for row in rows)
        # More than the lowered packet, less than a budget computed from the default one.
        assert LOWERED_PACKET < captured_bytes < batching.statement_budget(connection) * 4
        assert self._round_trip(LOWERED_PACKET) <= LOWERED_PACKET // 2


@pytest.mark.parametrize(
    ("sizes", "budget", "expected"),
    [
        ([10] * 5, 25, [[10, 10], [10, 10], [10]]),
        ([30, 5, 5], 25, [[30], [5, 5]]),
        ([1] * 2500, 10**9, [[1] * 1000, [1] * 1000, [1] * 500]),
        ([], 10, []),
    ],
)
def test_batches_are_bounded_by_rows_and_bytes(sizes, budget, expected):
    assert list(batching.bounded(sizes, lambda size: size, budget)) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("", 64), ("ab", 68), ("é", 68), ("\udc80", 70), (b"ab", 68), (None, 64), (12345, 64)],
)
def test_value_bytes_bound_an_escaped_literal(value, expected):
    assert batching.value_bytes(value) == expected
