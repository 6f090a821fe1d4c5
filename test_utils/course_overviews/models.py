"""CourseOverview with upstream's identification and proctoring columns (the columns this package reads)."""

from django.db import models
from opaque_keys.edx.django.models import CourseKeyField


class CourseOverview(models.Model):
    """The LMS/CMS cache of course metadata, keyed by course id."""

    version = models.IntegerField()
    id = CourseKeyField(db_index=True, primary_key=True, max_length=255)
    org = models.TextField(max_length=255, default="outdated_entry")
    display_name = models.TextField(null=True)

    enable_proctored_exams = models.BooleanField(default=False)
    proctoring_provider = models.TextField(null=True)
    proctoring_escalation_email = models.TextField(null=True)
    allow_proctoring_opt_out = models.BooleanField(default=False)
