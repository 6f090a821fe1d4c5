"""App config of the course_overviews stand-in."""

from django.apps import AppConfig


class CourseOverviewsConfig(AppConfig):
    """Label ``course_overviews``, as upstream's."""

    name = "test_utils.course_overviews"
    label = "course_overviews"
    default_auto_field = "django.db.models.AutoField"
