"""Tests of ``manage.py retire_toggle capture``: what migration 0002 does, on demand."""

import json
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.test import override_settings
from waffle.models import Flag

from toggles_migration.state import context, restore

NAME = "studio.show_review_rules"
pytestmark = pytest.mark.django_db


def run(*args):
    """Run the capture action and return its output."""
    out = StringIO()
    call_command("retire_toggle", "capture", *args, stdout=out)
    return out.getvalue()


@pytest.fixture(autouse=True)
def uncaptured():
    """Start from nothing captured (migration 0002 captured the empty test database)."""
    restore.uncapture(context.make_context(apps, NAME))


def test_capture_prints_the_decision():
    Flag.objects.create(name=NAME, everyone=True)
    output = run()
    assert "captured studio.show_review_rules: decision show_review_rules = True (uniform; 0 exceptions)" in output


def test_second_capture_keeps_the_first():
    run()
    assert (
        run("--format", "json")
        == json.dumps({"note": "already captured; --refresh captures again", "toggle": NAME}, indent=2, sort_keys=True)
        + "\n"
    )


def test_refresh_applies_a_new_decision():
    run()
    with override_settings(TOGGLES_MIGRATION={"DECISIONS": {NAME: True}}):
        report = json.loads(run("--refresh", "--format", "json"))
    assert report["decision"]["source"] == "operator"
    assert context.get_capture(context.make_context(apps, NAME)).decision_value is True


def test_refresh_refused_once_pruned():
    run()
    call_command("retire_toggle", "prune", stdout=StringIO())
    with pytest.raises(CommandError, match="is pruned: its capture is the only copy"):
        run("--refresh")


def test_unknown_database_alias_is_named():
    with pytest.raises(CommandError, match=r"--database 'replica' is not an alias in DATABASES; use one of: default"):
        run("--database", "replica")
