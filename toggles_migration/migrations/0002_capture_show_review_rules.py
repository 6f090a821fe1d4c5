"""
Capture the stored state of the retired flag studio.show_review_rules and decide its backend option.

Deletes nothing (expand, then contract: ``retire_toggle prune`` deletes, reversibly). Runs in edx-platform
(Lilac and later) and in a bare Django project: it depends on edx-platform's waffle_utils and course_overviews
apps only when they are installed, and then on the named migrations that created what it reads.
"""

import sys

from django.apps import apps as global_apps
from django.db import migrations

# A literal, as migrations must not depend on live objects; it names the declaration in retirements.py.
TOGGLE = "studio.show_review_rules"  # toggles-migration: ignore


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


def capture_forward(apps, schema_editor):
    from toggles_migration import actions, rendering

    ctx = actions.make_context(apps, TOGGLE, using=schema_editor.connection.alias)
    plan = actions.capture(ctx).plan
    if plan is None:
        return  # captured already
    if ctx.strict and not plan.agrees:
        raise actions.ActionRefused(rendering.strict_failure(plan))
    sys.stdout.write(rendering.migration_summary(plan))


def capture_backward(apps, schema_editor):
    from toggles_migration import actions

    actions.uncapture(actions.make_context(apps, TOGGLE, using=schema_editor.connection.alias))


class Migration(migrations.Migration):
    dependencies = [
        ("toggles_migration", "0001_initial"),
        ("waffle", "0004_update_everyone_nullbooleanfield"),
        *_optional_dependencies(),
    ]

    operations = [
        migrations.RunPython(capture_forward, capture_backward, elidable=False),
    ]
