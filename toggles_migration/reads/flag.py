"""A drop-in for the removed SHOW_REVIEW_RULES_FLAG: code that still needs the flag changes one import."""

from edx_toggles.toggles import WaffleFlag
from opaque_keys.edx.keys import CourseKey

from ..retirements import SHOW_REVIEW_RULES_RETIREMENT
from .tracer import handle_read

_UNSET: None = None


class RetiredCourseWaffleFlag(WaffleFlag):
    """
    The read API of edx-platform's ``CourseWaffleFlag`` for a retired flag: ``is_enabled(course_key=None)``.

    Every read is handled as TOGGLES_MIGRATION['READS'] says (warn, redirect, error or silent). The legacy
    answer follows ``CourseWaffleFlag``: course override, then org override, then the global flag.
    """

    def is_enabled(self, course_key: CourseKey | None = None) -> bool:
        """Return the answer the reads mode gives for this course (or for no course)."""
        return handle_read(self.name, lambda: self._legacy_value(course_key))

    def _legacy_value(self, course_key: CourseKey | None) -> bool:
        if isinstance(course_key, CourseKey):
            for model_name, key in (
                ("WaffleFlagCourseOverrideModel", ("course_id", course_key)),
                ("WaffleFlagOrgOverrideModel", ("org", course_key.org)),
            ):
                value = _override(model_name, self.name, *key)
                if value is not _UNSET:
                    return value
        return super().is_enabled()


def _override(model_name: str, flag_name: str, key_field: str, key: object) -> bool | None:
    """Return True/False for an effective override, or None: newest row (ties: highest id), only if enabled."""
    from django.apps import apps

    try:
        model = apps.get_model("waffle_utils", model_name)
    except LookupError:
        return _UNSET
    newest = (
        model._base_manager.filter(waffle_flag=flag_name, **{key_field: key})
        .order_by("-change_date", "-id")
        .values_list("enabled", "override_choice")
        .first()
    )
    if newest is None or not newest[0]:
        return _UNSET
    return newest[1] == "on"


SHOW_REVIEW_RULES_FLAG = RetiredCourseWaffleFlag(  # toggles-migration: ignore
    SHOW_REVIEW_RULES_RETIREMENT.name, SHOW_REVIEW_RULES_RETIREMENT.module_name, "Studio: "
)
