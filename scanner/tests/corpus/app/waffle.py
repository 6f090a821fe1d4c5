"""Course waffle flags of the fork's Studio app."""

from openedx.core.djangoapps.waffle_utils import CourseWaffleFlag

SHOW_REVIEW_RULES_FLAG = CourseWaffleFlag("studio.show_review_rules", __name__)
