"""Run the demo: ``python -m demo`` (``make demo``)."""

import os
import sys

import django
from django.core.management import call_command


def main():
    """Show the effective PROCTORING_BACKENDS options of the demo instance, then its system checks."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "demo.settings"
    django.setup()
    steps = [
        ("Effective proctoring options after the settings shim", ["retire_toggle", "settings"]),
        ("The same report as JSON, for scripts", ["retire_toggle", "settings", "--format", "json"]),
    ]
    for title, command in steps:
        print(f"\n=== {title}\n$ manage.py {' '.join(command)}", flush=True)
        call_command(*command)
    print("\n=== System checks\n$ manage.py check", flush=True)
    try:
        call_command("check")
    except Exception as error:  # noqa: BLE001  the demo shows the failure instead of a traceback
        print(error)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
