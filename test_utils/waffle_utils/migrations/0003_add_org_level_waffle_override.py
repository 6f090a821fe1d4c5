import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("waffle_utils", "0002_waffleflagcourseoverridemodel_note"),
    ]

    operations = [
        migrations.CreateModel(
            name="WaffleFlagOrgOverrideModel",
            fields=[
                ("id", models.AutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("change_date", models.DateTimeField(auto_now_add=True, verbose_name="Change date")),
                ("enabled", models.BooleanField(default=False, verbose_name="Enabled")),
                ("waffle_flag", models.CharField(db_index=True, max_length=255)),
                ("org", models.CharField(db_index=True, max_length=255)),
                (
                    "override_choice",
                    models.CharField(choices=[("on", "Force On"), ("off", "Force Off")], default="on", max_length=3),
                ),
                ("note", models.TextField(blank=True, help_text="e.g. why, who asked, a ticket")),
                (
                    "changed_by",
                    models.ForeignKey(
                        editable=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="Changed by",
                    ),
                ),
            ],
            options={"ordering": ("-change_date",), "abstract": False},
        ),
        migrations.AddIndex(
            model_name="waffleflagorgoverridemodel",
            index=models.Index(fields=["org", "waffle_flag"], name="waffle_org_and_waffle_flag"),
        ),
    ]
