from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("waffle_utils", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="waffleflagcourseoverridemodel",
            name="note",
            field=models.TextField(blank=True, help_text="e.g. why, who asked, a ticket"),
        ),
    ]
