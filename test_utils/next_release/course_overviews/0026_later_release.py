"""A migration a later edx-platform release adds to course_overviews."""

from django.db import migrations, models


class Migration(migrations.Migration):
    """A later release's migration, for the tests of upgrades."""

    dependencies = [
        ("course_overviews", "0025_auto_20210702_1602"),
    ]

    operations = [
        migrations.AddField(
            model_name="courseoverview",
            name="later_release",
            field=models.BooleanField(default=False),
        ),
    ]
