"""The course and org override models, field for field as edx-platform's (ConfigurationModel subclasses)."""

from django.conf import settings
from django.db import models
from opaque_keys.edx.django.models import CourseKeyField

OVERRIDE_CHOICES = (("on", "Force On"), ("off", "Force Off"))


class ConfigurationFields(models.Model):
    """The fields ConfigurationModel (django-config-models) adds: insert-only rows, newest wins."""

    change_date = models.DateTimeField(auto_now_add=True, verbose_name="Change date")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, editable=False, null=True, on_delete=models.PROTECT, verbose_name="Changed by"
    )
    enabled = models.BooleanField(default=False, verbose_name="Enabled")

    class Meta:
        abstract = True
        ordering = ("-change_date",)

    @classmethod
    def override_value(cls, waffle_flag, key):
        """Return 'on', 'off' or 'unset': the newest row for the key counts, and only when enabled."""
        key_field = cls.KEY_FIELDS[1]  # pylint: disable=no-member  # subclasses define it
        effective = cls.objects.filter(waffle_flag=waffle_flag, **{key_field: key}).order_by("-change_date").first()
        if effective and effective.enabled:
            return effective.override_choice
        return "unset"


class WaffleFlagCourseOverrideModel(ConfigurationFields):
    """Forces a course waffle flag on or off for one course."""

    KEY_FIELDS = ("waffle_flag", "course_id")

    waffle_flag = models.CharField(max_length=255, db_index=True)
    course_id = CourseKeyField(max_length=255, db_index=True)
    override_choice = models.CharField(choices=OVERRIDE_CHOICES, default="on", max_length=3)
    note = models.TextField(blank=True, help_text="e.g. why, who asked, a ticket")

    class Meta(ConfigurationFields.Meta):
        abstract = False


class WaffleFlagOrgOverrideModel(ConfigurationFields):
    """Forces a course waffle flag on or off for every course of one org."""

    KEY_FIELDS = ("waffle_flag", "org")

    waffle_flag = models.CharField(max_length=255, db_index=True)
    org = models.CharField(max_length=255, db_index=True)
    override_choice = models.CharField(choices=OVERRIDE_CHOICES, default="on", max_length=3)
    note = models.TextField(blank=True, help_text="e.g. why, who asked, a ticket")

    class Meta(ConfigurationFields.Meta):
        abstract = False
        indexes = [models.Index(fields=["org", "waffle_flag"], name="waffle_org_and_waffle_flag")]
