"""Name the `migrate` to run when a table an action needs does not exist yet, instead of a database traceback."""

import contextlib

from django.apps.registry import Apps
from django.db import connections

from . import tables

CAPTURE_TABLES = ("toggles_migration_capture", "toggles_migration_capturedrow")
MIGRATE = "manage.py migrate (Open edX: ./manage.py lms migrate; LMS and CMS share one database)"


class NotMigrated(Exception):
    """A table the action reads does not exist on the database yet."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def stored_state_tables(apps: Apps) -> list[str]:
    """Return the tables holding the retired flags' stored state and the courses, for the apps installed here."""
    found = [spec.table for spec in tables.FLAG_TABLES if tables.get_model(apps, spec) is not None]
    with contextlib.suppress(LookupError):  # a bare Django project has no course data
        found.append(apps.get_model(tables.COURSE_OVERVIEWS_LABEL, "CourseOverview")._meta.db_table)
    return found


def require_tables(
    apps: Apps, using: str, *, captures: bool = False, stored_state: bool = False, exit_code: int = 1
) -> None:
    """Raise NotMigrated naming the missing tables and the migrate to run; return silently when all exist."""
    wanted = [*(CAPTURE_TABLES if captures else ()), *(stored_state_tables(apps) if stored_state else ())]
    existing = set(connections[using].introspection.table_names())
    missing = [table for table in wanted if table not in existing]
    if missing:
        raise NotMigrated(
            f"Database {using!r} has no table {', '.join(missing)} yet: the migrations have not run there. "
            f"Run {MIGRATE} first.",
            exit_code,
        )
