"""Upstream's name: the migration that added the proctoring columns toggles_migration 0002 reads."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("course_overviews", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="courseoverview",
            name="allow_proctoring_opt_out",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="courseoverview",
            name="enable_proctored_exams",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="courseoverview",
            name="proctoring_escalation_email",
            field=models.TextField(null=True),
        ),
        migrations.AddField(
            model_name="courseoverview",
            name="proctoring_provider",
            field=models.TextField(null=True),
        ),
    ]
