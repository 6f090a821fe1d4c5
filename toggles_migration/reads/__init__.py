"""Everything about remaining reads of retired toggles: drop-in flag, tracer, warnings and counts."""

from .counts import flush_counts, read_counts
from .exceptions import RetiredToggleRead, RetiredToggleWarning
from .flag import SHOW_REVIEW_RULES_FLAG, RetiredCourseWaffleFlag  # toggles-migration: ignore
from .tracer import handle_read, install, installed, uninstall

__all__ = [
    "SHOW_REVIEW_RULES_FLAG",  # toggles-migration: ignore
    "RetiredCourseWaffleFlag",
    "RetiredToggleRead",
    "RetiredToggleWarning",
    "flush_counts",
    "handle_read",
    "install",
    "installed",
    "read_counts",
    "uninstall",
]
