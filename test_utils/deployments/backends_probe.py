"""
Load a deployment's settings in this fresh process; print, as JSON, what edx-proctoring loaded and what we report.

The courses come from TM_COURSES (JSON: [[course id, provider or null], ...], all proctored). W006 is asked
before the tables exist (as ``migrate`` asks it), then after the courses are stored, then without a database;
``retire_toggle settings`` and ``plan`` run once the courses are stored.
"""

import io
import json
import os
import sys

import django


def _w006(databases):
    from django.core import checks  # pylint: disable=import-outside-toplevel

    return [
        {"level": type(message).__name__, "message": message.msg, "hint": message.hint}
        for message in checks.run_checks(databases=databases)
        if message.id == "toggles_migration.W006"
    ]


def _store_courses(courses):
    """Create the stored-state tables (no migrations: only the tables the check reads) and the courses."""
    from django.apps import apps  # pylint: disable=import-outside-toplevel
    from django.db import connection  # pylint: disable=import-outside-toplevel

    with connection.schema_editor() as editor:
        for label in ("waffle", "waffle_utils", "course_overviews", "toggles_migration"):
            for model in apps.get_app_config(label).get_models():
                editor.create_model(model)
    overview = apps.get_model("course_overviews", "CourseOverview")
    for course_id, provider in courses:
        overview.objects.create(version=1, id=course_id, enable_proctored_exams=True, proctoring_provider=provider)


def main(backends):
    """Print {"loaded": ..., "backends": {name: get_backend answer}, "w006": {...}, "settings": ..., "plan": ...}."""
    django.setup()
    from django.apps import apps  # pylint: disable=import-outside-toplevel
    from django.core.management import call_command  # pylint: disable=import-outside-toplevel

    proctoring = apps.get_app_config("edx_proctoring")
    answers = {}
    for name in backends:
        try:
            answers[name] = type(proctoring.get_backend(name)).__name__
        except NotImplementedError as error:
            answers[name] = f"NotImplementedError: {error}"
    before = _w006(["default"])
    _store_courses(json.loads(os.environ.get("TM_COURSES", "[]")))
    out = io.StringIO()
    call_command("retire_toggle", "settings", "--format", "json", stdout=out)
    text = io.StringIO()
    call_command("retire_toggle", "settings", stdout=text)
    plan = io.StringIO()
    call_command("retire_toggle", "plan", "--format", "json", stdout=plan)
    report = {
        "loaded": sorted(proctoring.backends),
        "backends": answers,
        "w006": {"before_migrate": before, "database": _w006(["default"]), "no_database": _w006(None)},
        "settings": json.loads(out.getvalue()),
        "settings_text": text.getvalue(),
        "plan": json.loads(plan.getvalue()),
    }
    print(json.dumps(report))


if __name__ == "__main__":
    main(sys.argv[1:])
