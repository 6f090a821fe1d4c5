"""A migration a later edx-platform release adds to waffle_utils."""

from django.db import migrations, models


class Migration(migrations.Migration):
    """A later release's migration, for the tests of upgrades."""

    dependencies = [
        ("waffle_utils", "0003_add_org_level_waffle_override"),
    ]

    operations = [
        migrations.AddField(
            model_name="waffleflagorgoverridemodel",
            name="later_release",
            field=models.BooleanField(default=False),
        ),
    ]
