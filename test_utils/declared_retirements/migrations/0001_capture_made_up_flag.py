"""Capture the stored state of the made-up retired flag: a later retirement's whole migration."""

from django.db import migrations

from toggles_migration.operations import CaptureRetiredToggle


class Migration(migrations.Migration):
    dependencies = [
        ("toggles_migration", "0002_capture_show_review_rules"),
        ("waffle", "0004_update_everyone_nullbooleanfield"),
    ]

    operations = [
        CaptureRetiredToggle("courseware.made_up_flag"),
    ]
