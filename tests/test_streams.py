"""Rows read a page at a time: keyset pagination, the sized lazy tables the plan reads, and the merge by id."""

from unittest import mock

import pytest
from django.apps import apps

from tests import factories as f
from toggles_migration.state import streams, tables

pytestmark = pytest.mark.django_db


def _rows(*ids):
    return [{"id": row_id} for row_id in ids]


@pytest.mark.parametrize(
    ("live", "captured", "expected"),
    [
        ((1, 2, 3), (1, 2, 3), [(1, 1), (2, 2), (3, 3)]),
        ((1, 3), (2,), [(1, None), (None, 2), (3, None)]),
        ((), (5, 6), [(None, 5), (None, 6)]),
        ((7,), (), [(7, None)]),
        ((), (), []),
    ],
)
def test_merge_pairs_rows_by_id(live, captured, expected):
    pairs = streams.merge(_rows(*live), _rows(*captured))
    assert [(a and a["id"], b and b["id"]) for a, b in pairs] == expected


@pytest.mark.parametrize("page", [1, 2, 3, 1000])
def test_live_rows_read_every_row_once_in_id_order_whatever_the_page(page):
    f.flag(everyone=True)
    for index in range(5):
        f.course_override(f"course-v1:edX+P{index}+1")
    f.course_override("course-v1:edX+P9+1", name=f.OTHER)
    with mock.patch.object(streams, "PAGE", page):
        rows = list(streams.live_rows(apps, f.NAME, "default", tables.COURSE_OVERRIDES))
    assert rows == list(f.snapshot()[tables.COURSE_OVERRIDES.table])
