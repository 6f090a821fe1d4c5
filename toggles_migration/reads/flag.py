"""A drop-in for the removed SHOW_REVIEW_RULES_FLAG: code that still needs the flag changes one import."""

from edx_toggles.toggles import WaffleFlag
from opaque_keys.edx.keys import CourseKey

from ..retirements import SHOW_REVIEW_RULES_RETIREMENT
from .tracer import handle_read

_UNSET = None


class RetiredCourseWaffleFlag(WaffleFlag):
    """
    The read API of edx-platform's ``CourseWaffleFlag`` for a retired flag: ``is_enabled(course_key=None)``.

    Every read is handled as TOGGLES_MIGRATION['READS'] says (warn, redirect, error or silent). The legacy
    answer follows ``CourseWaffleFlag``: course override, then org override, then the global flag.
    """

    def is_enabled(self, course_key=None):
        """Return the answer the reads mode gives for this course (or for no course)."""
        return handle_read(self.name, lambda: self._legacy_value(course_key))

    def _legacy_value(self, course_key):
        if isinstance(course_key, CourseKey):
            for model_name, key in (
                ("WaffleFlagCourseOverrideModel", ("course_id", course_key)),
                ("WaffleFlagOrgOverrideModel", ("org", course_key.org)),
            ):
                value = _override(model_name, self.name, *key)
                if value is not _UNSET:
                    return value
        return super().is_enabled()


def _override(model_name, flag_name, key_field, key):
    """
    Return True/False for an effective override, or None: upstream's ``override_value`` query, as it is.

    ``filter(...).order_by('-change_date').first()`` with no second key: the database compares the key with the
    column's collation and picks among rows sharing the newest change_date, as it did for edx-platform.
    """
    from django.apps import apps

    try:
        model = apps.get_model("waffle_utils", model_name)
    except LookupError:
        return _UNSET
    effective = model.objects.filter(waffle_flag=flag_name, **{key_field: key}).order_by("-change_date").first()
    if effective is None or not effective.enabled:
        return _UNSET
    return effective.override_choice == "on"


SHOW_REVIEW_RULES_FLAG = RetiredCourseWaffleFlag(  # toggles-migration: ignore
    SHOW_REVIEW_RULES_RETIREMENT.name, SHOW_REVIEW_RULES_RETIREMENT.module_name, "Studio: "
)
