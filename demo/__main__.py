"""Run the demo upgrade: ``python -m demo`` (``make demo``)."""

import os
import sys
from pathlib import Path

import django
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test.utils import override_settings

STEPS_TITLE = "=== {}\n$ manage.py {}"


def run(title, *command):
    """Print a step, run the command, and return its exit code (verify exits non-zero on purpose)."""
    print("\n" + STEPS_TITLE.format(title, " ".join(command)), flush=True)
    try:
        call_command(*command)
    except CommandError as error:
        print(f"CommandError: {error}\n(exit code {error.returncode})", flush=True)
        return error.returncode
    return 0


def main():
    """Upgrade the demo instance and walk through settings, plan, verify, prune and restore."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "demo.settings"
    database = Path(__file__).resolve().parent / "demo.db"
    database.unlink(missing_ok=True)
    django.setup()
    from django.conf import settings

    from demo.seed import seed
    from toggles_migration.state import streams

    print("=== Before the upgrade: the site's stored state (see demo/seed.py)", flush=True)
    for label in ("contenttypes", "auth", "waffle", "waffle_utils", "course_overviews"):
        call_command("migrate", label, verbosity=0)
    seed()
    from django.apps import apps

    before = streams.read_rows(apps, "studio.show_review_rules", "default").rows
    for table, rows in before.items():
        print(f"  {table}: {len(rows)} rows of studio.show_review_rules")

    run("The upgrade runs our migrations (capture; deletes nothing)", "migrate", "toggles_migration")
    run("Effective proctoring options after the settings shim", "retire_toggle", "settings")
    run("The plan, on live data (writes nothing)", "retire_toggle", "plan")
    code = run("Verify the settings against the captured decision", "retire_toggle", "verify")
    assert code == 1, "the demo settings were expected to disagree"

    backends = {**settings.PROCTORING_BACKENDS}
    backends["proctortrack"] = {
        **backends["proctortrack"],
        "show_review_rules": True,
        "requires_escalation_email": True,
    }
    print("\n(The operator merges the snippet into PROCTORING_BACKENDS and restarts.)", flush=True)
    with override_settings(PROCTORING_BACKENDS=backends):
        assert run("Verify again", "retire_toggle", "verify") == 0
        run("Prune, dry run", "retire_toggle", "prune", "--dry-run")
        run("Prune", "retire_toggle", "prune")
        run("State of each retirement", "retire_toggle", "list")
        run("Restore", "retire_toggle", "restore")
    after = streams.read_rows(apps, "studio.show_review_rules", "default").rows
    print(f"\nRestored tables identical to before the prune: {after == before}", flush=True)
    return 0 if after == before else 1


if __name__ == "__main__":
    sys.exit(main())
