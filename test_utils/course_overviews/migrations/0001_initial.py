import opaque_keys.edx.django.models
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="CourseOverview",
            fields=[
                ("version", models.IntegerField()),
                (
                    "id",
                    opaque_keys.edx.django.models.CourseKeyField(
                        db_index=True, max_length=255, primary_key=True, serialize=False
                    ),
                ),
                ("org", models.TextField(default="outdated_entry", max_length=255)),
                ("display_name", models.TextField(null=True)),
            ],
        ),
    ]
