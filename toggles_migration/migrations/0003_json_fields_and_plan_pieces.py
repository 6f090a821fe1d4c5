"""
The capture's JSON in JSONFields, converted in place by the database; PlanPiece holds the plan's lists (0004 fills it).

Schema only: 0004 moves the data, in a transaction of its own even where DDL is not transactional (MariaDB).
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("toggles_migration", "0002_capture_show_review_rules"),
    ]

    operations = [
        migrations.AlterField(
            model_name="capture",
            name="plan_json",
            field=models.JSONField(),
        ),
        migrations.AlterField(
            model_name="capturedrow",
            name="data",
            field=models.JSONField(),
        ),
        migrations.CreateModel(
            name="PlanPiece",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("seq", models.PositiveIntegerField()),
                ("path", models.TextField()),
                ("items", models.JSONField()),
                (
                    "capture",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="plan_pieces",
                        to="toggles_migration.capture",
                    ),
                ),
            ],
            options={
                "ordering": ("capture", "seq"),
                "constraints": [
                    models.UniqueConstraint(fields=("capture", "seq"), name="toggles_migration_piece_once")
                ],
            },
        ),
    ]
