"""Property: on any stored state, prune then restore (and capture then its reverse) give every row back."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase
from waffle.models import Flag

from test_utils.waffle_utils.models import WaffleFlagCourseOverrideModel, WaffleFlagOrgOverrideModel
from toggles_migration.state import capture, context, prune, restore
from toggles_migration.state.streams import read_rows

User = get_user_model()

NAME = "studio.show_review_rules"
START = datetime(2024, 1, 1, tzinfo=UTC)
COURSES = ["course-v1:edX+A+1", "course-v1:EDX+a+1", "course-v1:MITx+B+2", "edX/Old/2014", "not a key", ""]
ORGS = ["edX", "EDX", "MITx", "HarvardX"]

flags = st.none() | st.fixed_dictionaries(
    {
        "everyone": st.sampled_from([None, True, False]),
        "percent": st.none() | st.integers(0, 999).map(lambda tenths: Decimal(tenths) / 10),
        "testing": st.booleans(),
        "superusers": st.booleans(),
        "staff": st.booleans(),
        "authenticated": st.booleans(),
        "rollout": st.booleans(),
        "languages": st.sampled_from(["", "en", "en,fr"]),
        # Text any database can store: PostgreSQL rejects NUL, and surrogates cannot be encoded.
        "note": st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=20),
        "users": st.sets(st.integers(0, 2)),
        "groups": st.sets(st.integers(0, 1)),
    }
)
overrides = st.lists(
    st.tuples(
        st.integers(0, len(COURSES) - 1),
        st.sampled_from(["on", "off"]),
        st.booleans(),
        st.integers(0, 3),  # few distinct dates, so ties happen
        st.none() | st.integers(0, 2),
    ),
    max_size=8,
)


def _seed(flag, course_rows, org_rows):
    users = [User.objects.create(username=f"author{index}") for index in range(3)]
    groups = [Group.objects.create(name=f"group{index}") for index in range(2)]
    if flag is not None:
        fields = {key: value for key, value in flag.items() if key not in ("users", "groups")}
        created = Flag.objects.create(name=NAME, **fields)
        created.users.set([users[index] for index in flag["users"]])
        created.groups.set([groups[index] for index in flag["groups"]])
    Flag.objects.create(name="studio.other", everyone=True)
    for model, rows, keys in (
        (WaffleFlagCourseOverrideModel, course_rows, COURSES),
        (WaffleFlagOrgOverrideModel, org_rows, ORGS),
    ):
        column = "course_id" if model is WaffleFlagCourseOverrideModel else "org"
        for key_index, choice, enabled, day, author in rows:
            row = model.objects.create(
                waffle_flag=NAME,
                override_choice=choice,
                enabled=enabled,
                changed_by=None if author is None else users[author],
                **{column: "course-v1:edX+Seed+1" if column == "course_id" else "seed"},
            )
            model.objects.filter(pk=row.pk).update(change_date=START + timedelta(days=day))
            with connection.cursor() as cursor:
                # Raw, so malformed course ids are stored as they are in real databases.
                cursor.execute(
                    f"UPDATE {model._meta.db_table} SET {column} = %s WHERE id = %s",
                    [keys[key_index % len(keys)], row.pk],
                )
    return users


class RoundTripTest(TestCase):
    """Every generated state survives the destructive actions, row for row."""

    def _context(self):
        return context.make_context(apps, NAME)

    @given(flag=flags, course_rows=overrides, org_rows=overrides)
    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    def test_prune_then_restore_gives_every_row_back(self, flag, course_rows, org_rows):
        _seed(flag, course_rows, org_rows)
        restore.uncapture(self._context())
        before = read_rows(apps, NAME, "default").rows
        capture.capture(self._context())
        prune.prune(self._context())
        assert all(not rows for rows in read_rows(apps, NAME, "default").rows.values())
        report = restore.restore(self._context())
        assert report.unresolved == ()
        assert read_rows(apps, NAME, "default").rows == before

    @given(flag=flags, course_rows=overrides, org_rows=overrides)
    @settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    def test_capture_prune_then_reverse_migration_gives_every_row_back(self, flag, course_rows, org_rows):
        _seed(flag, course_rows, org_rows)
        restore.uncapture(self._context())
        before = read_rows(apps, NAME, "default").rows
        capture.capture(self._context())
        prune.prune(self._context())
        restore.uncapture(self._context())  # what migrating 0002 backwards runs
        assert read_rows(apps, NAME, "default").rows == before
        assert context.get_capture(self._context()) is None

    @given(flag=flags, course_rows=overrides, gone=st.sets(st.integers(0, 2), min_size=1))
    @settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    def test_users_deleted_after_prune_are_reported_not_invented(self, flag, course_rows, gone):
        users = _seed(flag, course_rows, [])
        restore.uncapture(self._context())
        before = read_rows(apps, NAME, "default").rows
        capture.capture(self._context())
        prune.prune(self._context())
        gone_ids = {users[index].pk for index in gone}
        User.objects.filter(pk__in=gone_ids).delete()
        report = restore.restore(self._context())
        after = read_rows(apps, NAME, "default").rows
        links = [row for row in before["waffle_flag_users"] if row["user_id"] not in gone_ids]
        assert after["waffle_flag_users"] == tuple(links)
        expected_overrides = tuple(
            {**row, "changed_by_id": None if row["changed_by_id"] in gone_ids else row["changed_by_id"]}
            for row in before["waffle_utils_waffleflagcourseoverridemodel"]
        )
        assert after["waffle_utils_waffleflagcourseoverridemodel"] == expected_overrides
        reported = {(item.table, item.id) for item in report.unresolved}
        assert reported == {
            ("waffle_flag_users", row["id"]) for row in before["waffle_flag_users"] if row["user_id"] in gone_ids
        } | {
            ("waffle_utils_waffleflagcourseoverridemodel", row["id"])
            for row in before["waffle_utils_waffleflagcourseoverridemodel"]
            if row["changed_by_id"] in gone_ids
        }
