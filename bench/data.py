"""Build the benchmark's data with raw batched inserts: a million rows in seconds, not minutes."""

import random
from datetime import UTC, datetime, timedelta

from django.db import connection, transaction

RETIRED = "studio.show_review_rules"
START = datetime(2020, 1, 1, tzinfo=UTC)
_BATCH = 10_000
# The course_overviews stand-in's columns the seeds fill, in the order of their rows.
COURSE_COLUMNS = (
    "version",
    "id",
    "org",
    "display_name",
    "enable_proctored_exams",
    "proctoring_provider",
    "proctoring_escalation_email",
    "allow_proctoring_opt_out",
)


def _insert(table, columns, rows):
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(table)} ({', '.join(quote(column) for column in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(rows), _BATCH):
            cursor.executemany(sql, rows[start : start + _BATCH])


def _when(seconds):
    return connection.ops.adapt_datetimefield_value(START + timedelta(seconds=seconds))


def course_id(number, orgs):
    """Return the course id of course ``number``, spread over ``orgs`` organisations."""
    return f"course-v1:Org{number % orgs}+C{number}+2024"


def seed_flags(count):
    """One Flag row per flag: the retired one off for everyone, the others on."""
    now = _when(0)
    rows = [(RETIRED, False, None, False, True, False, False, "", False, "", now, now)]
    rows += [
        (f"bench.flag_{index}", True, None, False, True, False, False, "", False, "", now, now)
        for index in range(count - 1)
    ]
    _insert(
        "waffle_flag",
        (
            "name",
            "everyone",
            "percent",
            "testing",
            "superusers",
            "staff",
            "authenticated",
            "languages",
            "rollout",
            "note",
            "created",
            "modified",
        ),
        rows,
    )


def seed_courses(count, orgs, rng):
    """Course overviews: 60% proctored on proctortrack, 10% with no provider (DEFAULT), the rest elsewhere."""
    rows = []
    for number in range(count):
        draw = rng.random()
        provider = "proctortrack" if draw < 0.6 else None if draw < 0.7 else rng.choice(["software_secure", "null"])
        rows.append(
            (
                19,
                course_id(number, orgs),
                f"Org{number % orgs}",
                f"Course {number}",
                True,
                provider,
                "" if number % 7 == 0 else "exams@example.com",
                False,
            )
        )
    _insert(
        "course_overviews_courseoverview",
        COURSE_COLUMNS,
        rows,
    )


def seed_overrides(*, retired_rows, other_rows, other_flags, courses, orgs, rng):
    """Override history: the retired flag's (course history, disabled newest rows, org rows) and the others'."""
    course_rows = []
    org_rows = []
    retired_orgs = retired_rows // 5
    history = 4
    for index in range(retired_rows - retired_orgs):
        number = (index // history) * 7 % courses
        newest = index % history == history - 1
        enabled = not (newest and rng.random() < 0.1)
        course_rows.append(
            (_when(index), None, enabled, RETIRED, course_id(number, orgs), rng.choice(["on", "off"]), "")
        )
    for index in range(retired_orgs):
        org_rows.append(
            (_when(index), None, rng.random() > 0.1, RETIRED, f"Org{index % orgs}", rng.choice(["on", "off"]), "")
        )
    for index in range(other_rows):
        course_rows.append(
            (
                _when(index),
                None,
                True,
                f"bench.flag_{index % other_flags}",
                course_id(rng.randrange(courses), orgs),
                "on",
                "",
            )
        )
    columns = ("change_date", "changed_by_id", "enabled", "waffle_flag")
    _insert(
        "waffle_utils_waffleflagcourseoverridemodel", (*columns, "course_id", "override_choice", "note"), course_rows
    )
    _insert("waffle_utils_waffleflagorgoverridemodel", (*columns, "org", "override_choice", "note"), org_rows)


def seed_plan_dataset(size):
    """Seed the plan-at-scale dataset: flags, courses and override rows in the proportions of the issue."""
    rng = random.Random(20261127)
    with transaction.atomic():
        seed_flags(size["flags"])
        seed_courses(size["courses"], size["orgs"], rng)
        seed_overrides(
            retired_rows=size["retired_rows"],
            other_rows=size["override_rows"] - size["retired_rows"],
            other_flags=size["flags"] - 1,
            courses=size["courses"],
            orgs=size["orgs"],
            rng=rng,
        )


def seed_retired_only(rows):
    """Only the retired flag, with ``rows`` course-override rows (for capture, prune and restore)."""
    rng = random.Random(7)
    with transaction.atomic():
        seed_flags(1)
        seed_overrides(retired_rows=rows, other_rows=0, other_flags=1, courses=max(rows // 4, 1), orgs=50, rng=rng)


def wipe():
    """Empty every table the benchmark fills."""
    with transaction.atomic(), connection.cursor() as cursor:
        for table in (
            "waffle_utils_waffleflagcourseoverridemodel",
            "waffle_utils_waffleflagorgoverridemodel",
            "course_overviews_courseoverview",
            "waffle_flag_users",
            "waffle_flag_groups",
            "waffle_flag",
            "toggles_migration_capturedrow",
            "toggles_migration_planpiece",
            "toggles_migration_capture",
        ):
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")


def seed_distinct_keys(keys, courses, orgs):
    """
    One course override per course id, ``keys`` of them, the first ``courses`` of which are known courses.

    Every override is off but one in 10,000 (the few exceptions), as is the global flag; every known course is on
    proctortrack with an escalation email: what the operator must see is small, whatever the number of keys.
    """
    with transaction.atomic():
        seed_flags(1)
        _insert(
            "course_overviews_courseoverview",
            COURSE_COLUMNS,
            [
                (19, course_id(number, orgs), f"Org{number % orgs}", "", True, "proctortrack", "a@example.com", False)
                for number in range(courses)
            ],
        )
        for start in range(0, keys, _BATCH * 10):
            _insert(
                "waffle_utils_waffleflagcourseoverridemodel",
                ("change_date", "changed_by_id", "enabled", "waffle_flag", "course_id", "override_choice", "note"),
                [
                    (
                        _when(number),
                        None,
                        True,
                        RETIRED,
                        course_id(number, orgs),
                        "on" if number % 10_000 == 1 else "off",
                        "",
                    )
                    for number in range(start, min(start + _BATCH * 10, keys))
                ],
            )
    analyze()


def analyze():
    """Give the database statistics of the tables just filled, as a site's tables have (MariaDB, PostgreSQL)."""
    if connection.vendor == "sqlite":
        return  # a site's SQLite has none unless someone ran ANALYZE; the reader does not count on them
    with connection.cursor() as cursor:
        for table in ("waffle_utils_waffleflagcourseoverridemodel", "course_overviews_courseoverview"):
            cursor.execute(
                f"ANALYZE {'TABLE ' if connection.vendor == 'mysql' else ''}{connection.ops.quote_name(table)}"
            )
