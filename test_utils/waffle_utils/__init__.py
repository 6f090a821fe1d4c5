"""
Stand-in for edx-platform's ``openedx.core.djangoapps.waffle_utils``.

Same app label, table names, field types and migration names as upstream, so a migration that depends on
``('waffle_utils', ...)`` resolves here as it does in edx-platform; and the same ``CourseWaffleFlag``
evaluation: course override, then org override, then the global django-waffle flag.
"""

from edx_toggles.toggles import WaffleFlag
from opaque_keys.edx.keys import CourseKey

ON, OFF, UNSET = "on", "off", "unset"


class CourseWaffleFlag(WaffleFlag):
    """A waffle flag with course and org overrides, evaluated as upstream's ``CourseWaffleFlag``."""

    def _cached(self, key, compute):
        cache = self.cached_flags()
        if key not in cache:
            cache[key] = compute()
        return cache[key]

    def is_enabled(self, course_key=None):
        """Return the course override, else the org override, else the global flag's value."""
        if isinstance(course_key, CourseKey):
            from .models import (
                WaffleFlagCourseOverrideModel,
                WaffleFlagOrgOverrideModel,
            )

            course_choice = self._cached(
                f"{self.name}.cwaffle.{course_key}",
                lambda: WaffleFlagCourseOverrideModel.override_value(self.name, course_key),
            )
            if course_choice != UNSET:
                return course_choice == ON
            org_choice = self._cached(
                f"{self.name}.owaffle.{course_key.org}",
                lambda: WaffleFlagOrgOverrideModel.override_value(self.name, course_key.org),
            )
            if org_choice != UNSET:
                return org_choice == ON
        return super().is_enabled()
