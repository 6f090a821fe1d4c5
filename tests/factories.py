"""Shared helpers for the tests: create the stored rows of a retired flag, and read them back."""

import itertools
from datetime import UTC, datetime, timedelta

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connections
from opaque_keys.edx.keys import CourseKey
from waffle.models import Flag

from test_utils.course_overviews.models import CourseOverview
from test_utils.waffle_utils.models import WaffleFlagCourseOverrideModel, WaffleFlagOrgOverrideModel
from toggles_migration.management import rendering
from toggles_migration.state.context import make_context
from toggles_migration.state.export import exported_pages
from toggles_migration.state.streams import read_rows

User = get_user_model()

NAME = "studio.show_review_rules"
OTHER = "studio.some_other_flag"
COURSE_TABLE = WaffleFlagCourseOverrideModel._meta.db_table
ORG_TABLE = WaffleFlagOrgOverrideModel._meta.db_table
START = datetime(2024, 1, 1, tzinfo=UTC)
# Settings where the legacy backend exists and sets the option explicitly.
PROCTORTRACK_TRUE = {"DEFAULT": "proctortrack", "proctortrack": {"show_review_rules": True}}
PROCTORTRACK_FALSE = {"DEFAULT": "proctortrack", "proctortrack": {"show_review_rules": False}}

_serial = itertools.count(1)


def course_ids_ignore_case(connection):
    """
    Whether the database compares course ids case-insensitively, as upstream's ``filter(course_id=...)`` does.

    MariaDB's utf8mb4_unicode_ci does; on SQLite it is the collation CourseKeyField declares (NOCASE since
    edx-opaque-keys 4, none before); PostgreSQL compares exactly.
    """
    if connection.vendor == "mysql":
        return True
    field = WaffleFlagCourseOverrideModel._meta.get_field("course_id")
    return connection.vendor == "sqlite" and field.db_parameters(connection).get("collation") == "NOCASE"


def context(toggle=NAME, using="default", decision_override=None):
    """Return an actions Context on the live apps registry, with the settings as they are now."""
    return make_context(apps, toggle, using, decision_override)


def export_json(ctx):
    """Yield the export's JSON text as ``retire_toggle export`` writes it, a page of rows at a time."""
    with exported_pages(ctx) as (head, pages):
        yield from rendering.export_json(head, pages)


def snapshot(toggle=NAME, using="default"):
    """Every stored row of ``toggle`` (ids, dates and links included), per table."""
    return read_rows(apps, toggle, using).rows


def row_total(toggle=NAME, using="default"):
    """How many stored rows ``toggle`` has in all tables."""
    return sum(len(rows) for rows in snapshot(toggle, using).values())


def forget_captures():
    """Delete every capture (migration 0002 captured the empty state of the test database)."""
    apps.get_model("toggles_migration", "Capture").objects.all().delete()


def user(username=None, **fields):
    """Create a plain, active, non-staff user."""
    return User.objects.create(username=username or f"user{next(_serial)}", **fields)


def group(name=None):
    """Create a group."""
    return Group.objects.create(name=name or f"group{next(_serial)}")


def flag(name=NAME, users=(), groups=(), **fields):
    """Create a django-waffle flag with user and group links."""
    created = Flag.objects.create(name=name, **fields)
    if users:
        created.users.add(*users)
    if groups:
        created.groups.add(*groups)
    return created


def _dated(model, row, change_date):
    if change_date is not None:
        model.objects.filter(pk=row.pk).update(change_date=change_date)
        row.refresh_from_db(fields=["change_date"])
    return row


def course_override(course_id, choice="on", *, enabled=True, name=NAME, changed_by=None, change_date=None, note=""):
    """Create a course override row; ``change_date`` replaces the auto_now_add date."""
    row = WaffleFlagCourseOverrideModel.objects.create(
        waffle_flag=name,
        course_id=CourseKey.from_string(course_id),
        override_choice=choice,
        enabled=enabled,
        changed_by=changed_by,
        note=note,
    )
    return _dated(WaffleFlagCourseOverrideModel, row, change_date)


def org_override(org, choice="on", *, enabled=True, name=NAME, changed_by=None, change_date=None, note=""):
    """Create an org override row; ``change_date`` replaces the auto_now_add date."""
    row = WaffleFlagOrgOverrideModel.objects.create(
        waffle_flag=name, org=org, override_choice=choice, enabled=enabled, changed_by=changed_by, note=note
    )
    return _dated(WaffleFlagOrgOverrideModel, row, change_date)


def set_raw_course_id(pk, raw, using="default"):
    """Store ``raw`` in an override's course_id column, bypassing CourseKeyField validation."""
    with connections[using].cursor() as cursor:
        cursor.execute(f"UPDATE {COURSE_TABLE} SET course_id = %s WHERE id = %s", [raw, pk])


def raw_course_ids(using="default"):
    """Return {id: stored course_id string} of every course override row, read without parsing."""
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT id, course_id FROM {COURSE_TABLE}")
        return dict(cursor.fetchall())


def bulk_course_overrides(count, name=NAME, org="BulkX"):
    """Create ``count`` course override rows quickly (one course each)."""
    WaffleFlagCourseOverrideModel.objects.bulk_create(
        [
            WaffleFlagCourseOverrideModel(
                waffle_flag=name,
                course_id=CourseKey.from_string(f"course-v1:{org}+C{index}+1"),
                override_choice="on" if index % 3 else "off",
                enabled=bool(index % 5),
            )
            for index in range(count)
        ],
        batch_size=500,
    )


def course(course_id, provider="proctortrack", proctored=True, email="help@example.com"):
    """Create a CourseOverview (a known course when proctored on a legacy backend)."""
    return CourseOverview.objects.create(
        version=1,
        id=CourseKey.from_string(course_id),
        org=CourseKey.from_string(course_id).org,
        enable_proctored_exams=proctored,
        proctoring_provider=provider,
        proctoring_escalation_email=email,
    )


def seed_full_state():
    """
    Seed a flag with every kind of stored row, and another flag's rows that must never be touched.

    Returns a dict of the created objects.
    """
    author, linked, outsider = user(), user(), user()
    team = group()
    main = flag(NAME, users=[linked], groups=[team], everyone=None, staff=True, note="main")
    history = [
        course_override("course-v1:edX+Demo+1", "on", changed_by=author, change_date=START),
        course_override("course-v1:edX+Demo+1", "off", change_date=START + timedelta(days=1)),
        course_override("course-v1:MITx+Hist+2", "on", enabled=False, change_date=START + timedelta(days=2)),
        org_override("edX", "on", changed_by=author, change_date=START),
        org_override("HarvardX", "off", enabled=False, change_date=START + timedelta(days=3)),
    ]
    other = flag(OTHER, users=[outsider, linked], groups=[team], everyone=True)
    other_rows = [
        course_override("course-v1:edX+Demo+1", "on", name=OTHER, changed_by=outsider),
        org_override("edX", "off", name=OTHER),
    ]
    return {
        "author": author,
        "linked": linked,
        "outsider": outsider,
        "group": team,
        "flag": main,
        "overrides": history,
        "other_flag": other,
        "other_overrides": other_rows,
    }
