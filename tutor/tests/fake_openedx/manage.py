"""edx-platform's ``./manage.py {lms,cms} COMMAND``, run against fake_openedx.settings (or only recorded)."""

import json
import os
import sys


def main(argv):
    """Record ``argv`` to $FAKE_MANAGE_RECORD when it is set; otherwise run the Django command it names."""
    record = os.environ.get("FAKE_MANAGE_RECORD")
    if record:
        with open(record, "a", encoding="utf-8") as recorded:
            recorded.write(json.dumps(argv) + "\n")
        return
    service, *command = argv
    os.environ["SERVICE_VARIANT"] = service
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fake_openedx.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["manage.py", *command])


if __name__ == "__main__":
    main(sys.argv[1:])
