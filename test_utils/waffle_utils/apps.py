"""App config of the waffle_utils stand-in (upstream installs the app without one; its label is the same)."""

from django.apps import AppConfig


class WaffleUtilsConfig(AppConfig):
    """Label ``waffle_utils``, as edx-platform's app gets from its module name."""

    name = "test_utils.waffle_utils"
    label = "waffle_utils"
    default_auto_field = "django.db.models.AutoField"
