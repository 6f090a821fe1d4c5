"""A retirement's migration as the docs tell you to write it: named dependencies and the operation, all literal."""

from django.db import migrations

from toggles_migration.operations import CaptureRetiredToggle


class Migration(migrations.Migration):
    """Capture studio.show_review_rules with nothing but the operation."""

    dependencies = [
        ("toggles_migration", "0001_initial"),
        ("waffle", "0004_update_everyone_nullbooleanfield"),
        ("waffle_utils", "0003_add_org_level_waffle_override"),
        ("course_overviews", "0025_auto_20210702_1602"),
    ]

    operations = [
        CaptureRetiredToggle("studio.show_review_rules"),  # toggles-migration: ignore
    ]
