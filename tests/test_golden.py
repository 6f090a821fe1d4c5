"""
Each action's output, JSON and text, compared byte for byte with a golden file from one fixed state.

The state is fully specified: fixed ids (no database sequence shows), fixed dates and a fixed clock, fixed
settings, an empty reads cache. The export's rows are the database's own values, so it has one file per
database (``export.sqlite.json``...). The declared retirements are the package's own: the suite's test-only
one (``test_utils.declared_retirements``) is withdrawn meanwhile.

A deliberate change of an output is recorded by regenerating the files:
``TOGGLES_MIGRATION_REGENERATE_GOLDEN=1 make test PYTEST_ARGS=tests/test_golden.py`` (with ``DB=mysql`` and
``DB=postgresql`` too, for their export files), then review the diff and say why in CHANGELOG.
"""

import contextlib
import os
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path
from unittest import mock

import pytest
from django.contrib.auth.models import Group
from django.core.cache import caches
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings
from waffle.models import Flag

from tests import factories as f
from toggles_migration import retirements
from toggles_migration.reads import flush_counts

GOLDEN = Path(__file__).parent / "golden"
REGENERATE = "TOGGLES_MIGRATION_REGENERATE_GOLDEN"
CLOCK = datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)
# Proctortrack spells the option the legacy way and as a string (notices W001, W002), derives the escalation
# email (W004), and sets show_review_rules False where the captured decision is True: verify disagrees.
BACKENDS = {
    "DEFAULT": "proctortrack",
    "proctortrack": {"SHOW_REVIEW_RULES": "false"},
    "software_secure": {"show_review_rules": True},
}
# Every id fixed, far above what a sequence reaches in the suite, so that no database's sequence shows.
FIRST_ID = 900001
pytestmark = pytest.mark.django_db


def _seed():
    """The fixed stored state: the flag on for everyone, two course overrides, one org override, links."""
    author = f.User.objects.create(id=FIRST_ID, username="golden-author")
    linked = f.User.objects.create(id=FIRST_ID + 1, username="golden-linked")
    team = Group.objects.create(id=FIRST_ID, name="golden-team")
    flag = Flag.objects.create(id=FIRST_ID, name=f.NAME, everyone=True, note="golden")
    Flag.objects.filter(pk=flag.pk).update(created=CLOCK, modified=CLOCK)
    Flag.users.through.objects.create(id=FIRST_ID, flag_id=flag.pk, user_id=linked.pk)
    Flag.groups.through.objects.create(id=FIRST_ID, flag_id=flag.pk, group_id=team.pk)
    overrides = [
        (f.COURSE_TABLE, {"course_id": "course-v1:edX+Demo+1", "choice": "off", "changed_by": author}),
        (f.COURSE_TABLE, {"course_id": "course-v1:MITx+Hist+2", "choice": "on"}),
        (f.ORG_TABLE, {"org": "HarvardX", "choice": "off"}),
    ]
    for number, (table, fields) in enumerate(overrides):
        create = f.course_override if table == f.COURSE_TABLE else f.org_override
        key = fields.pop("course_id", None) or fields.pop("org")
        row = create(key, change_date=CLOCK - timedelta(days=number + 1), **fields)
        type(row).objects.filter(pk=row.pk).update(id=FIRST_ID + number)
    f.course("course-v1:edX+Demo+1")
    f.course("course-v1:MITx+Hist+2", email="")
    f.course("course-v1:BerkeleyX+Art+3", provider="software_secure")


def _run(*args):
    """Run retire_toggle; return its stdout, also when it exits non-zero (verify's disagreement)."""
    out = StringIO()
    with contextlib.suppress(CommandError):
        call_command("retire_toggle", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def _delete_linked_user():
    f.User.objects.filter(id=FIRST_ID + 1).delete()


# name: (steps before, the action's arguments). A step is a retire_toggle argument tuple or a callable.
SCENARIOS = {
    "settings": ((), ("settings",)),
    "list": ((("capture",),), ("list",)),
    "plan": ((), ("plan",)),
    "capture": ((), ("capture",)),
    "capture-again": ((("capture",),), ("capture",)),
    "verify": ((("capture",),), ("verify",)),
    "verify-not-captured": ((), ("verify",)),
    "prune-dry-run": ((("capture",),), ("prune", "--dry-run")),
    "prune": ((("capture",),), ("prune", "--force")),
    "prune-again": ((("capture",), ("prune", "--force")), ("prune", "--force")),
    "restore-dry-run": ((("capture",), ("prune", "--force"), _delete_linked_user), ("restore", "--dry-run")),
    "restore": ((("capture",), ("prune", "--force"), _delete_linked_user), ("restore",)),
    "export": ((("capture",), ("prune", "--force")), ("export",)),
    "status": ((("capture",),), ("status",)),
}


@pytest.fixture(name="fixed_state")
def fixed_state_fixture():
    """The fixed state, settings, clock and empty reads cache every scenario starts from."""
    others = [retirement for retirement in retirements.declared() if retirement not in retirements.RETIREMENTS]
    for retirement in others:
        retirements.unregister(retirement)
    f.forget_captures()
    flush_counts()  # reads other tests counted in this process, not flushed to the cache yet
    caches["default"].clear()
    try:
        with (
            override_settings(PROCTORING_BACKENDS=BACKENDS, TOGGLES_MIGRATION={}),
            mock.patch("django.utils.timezone.now", return_value=CLOCK),
            mock.patch("toggles_migration.reads.installed", return_value=False),
        ):
            _seed()
            yield
    finally:
        for retirement in others:
            retirements.register(retirement)


def _output(name, fmt):
    steps, arguments = SCENARIOS[name]
    for step in steps:
        if callable(step):
            step()
        else:
            _run(*step)
    if arguments[0] == "export":
        return _run(*arguments)  # JSON only
    return _run(*arguments, "--format", fmt)


def _compare(path, actual):
    if os.environ.get(REGENERATE) == "1":
        path.write_text(actual, encoding="utf-8")
    expected = path.read_text(encoding="utf-8") if path.exists() else None
    assert actual == expected, (
        f"tests/golden/{path.name} differs from the output of this run: a report's output changed. If the "
        f"change is deliberate, regenerate the golden files with `{REGENERATE}=1 make test "
        f"PYTEST_ARGS=tests/test_golden.py` (and DB=mysql, DB=postgresql for the export), review the diff, and "
        "record the change in CHANGELOG.rst."
    )


@pytest.mark.usefixtures("fixed_state")
@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_json_output_is_the_golden_file(name):
    # The export holds the stored rows as the database gave them (dates included): one golden file per database.
    suffix = f".{connection.vendor}.json" if name == "export" else ".json"
    _compare(GOLDEN / f"{name}{suffix}", _output(name, "json"))


@pytest.mark.usefixtures("fixed_state")
@pytest.mark.parametrize("name", sorted(set(SCENARIOS) - {"export"}))
def test_text_output_is_the_golden_file(name):
    _compare(GOLDEN / f"{name}.txt", _output(name, "text"))
