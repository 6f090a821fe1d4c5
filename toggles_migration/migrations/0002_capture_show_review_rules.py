"""
Capture the stored state of the retired flag studio.show_review_rules and decide its backend option.

Deletes nothing (expand, then contract: ``retire_toggle prune`` deletes, reversibly). Runs in edx-platform
(Lilac and later) and in a bare Django project: it depends on edx-platform's waffle_utils and course_overviews
apps only when they are installed, and then on the named migrations that created what it reads.
"""

from django.apps import apps as global_apps
from django.db import migrations

from toggles_migration.operations import CaptureRetiredToggle

# Named, never floating to the latest one: once this migration is applied, such a dependency would point at
# every later upstream migration of these apps, and Django would refuse each later `migrate`
# (InconsistentMigrationHistory).
EDX_PLATFORM_DEPENDENCIES = (
    # Created WaffleFlagOrgOverrideModel (the course override model is older).
    ("waffle_utils", "0003_add_org_level_waffle_override"),
    # Added enable_proctored_exams, proctoring_provider and proctoring_escalation_email.
    ("course_overviews", "0025_auto_20210702_1602"),
)


def _optional_dependencies():
    labels = {config.label for config in global_apps.get_app_configs()}
    return [dependency for dependency in EDX_PLATFORM_DEPENDENCIES if dependency[0] in labels]


class Migration(migrations.Migration):
    dependencies = [
        ("toggles_migration", "0001_initial"),
        ("waffle", "0004_update_everyone_nullbooleanfield"),
        *_optional_dependencies(),
    ]

    operations = [
        # A literal, as migrations must not depend on live objects; it names the declaration in retirements.py.
        CaptureRetiredToggle("studio.show_review_rules"),  # toggles-migration: ignore
    ]


# The steps under the names this migration's RunPython gave them, for whoever runs them by hand: (apps, schema_editor).
capture_forward = Migration.operations[0].capture
capture_backward = Migration.operations[0].uncapture
