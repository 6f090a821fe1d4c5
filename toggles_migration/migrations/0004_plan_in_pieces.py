"""
Store each capture's plan lists in PlanPiece rows (0.2.0 stored the whole plan as one value); back, as it was.

Backwards, a plan too large for one statement of this server keeps its lists in reserved CapturedRow rows, as
migration 0002 writes them before 0003 exists: nothing is lost, and migrating forward again moves them back.
"""

from django.db import migrations

from toggles_migration.operations import refused_as_migration
from toggles_migration.state import stored_plan


def plans_to_pieces(apps, schema_editor):
    """Move the lists of every capture's plan (and the pieces 0002 kept as CapturedRows) into PlanPiece rows."""
    alias, retry = schema_editor.connection.alias, "manage.py migrate toggles_migration"
    with refused_as_migration(alias, retry):
        stored_plan.to_pieces(apps.get_model("toggles_migration", "Capture"), alias, retry)


def pieces_to_plans(apps, schema_editor):
    """Put each capture's pieces back into its plan, one value as 0.2.0 stored it where the server accepts it."""
    alias, retry = schema_editor.connection.alias, "the same manage.py migrate toggles_migration <target>"
    with refused_as_migration(alias, retry):
        stored_plan.from_pieces(apps.get_model("toggles_migration", "Capture"), alias, retry)


class Migration(migrations.Migration):
    dependencies = [
        ("toggles_migration", "0003_json_fields_and_plan_pieces"),
    ]

    operations = [
        migrations.RunPython(plans_to_pieces, pieces_to_plans, elidable=False),
    ]
