"""Everything about remaining reads of retired toggles: drop-in flags, tracer, warnings and counts."""

from .counts import flush_counts, read_counts
from .flag import RetiredCourseWaffleFlag, drop_in_flag
from .notify import RetiredToggleRead, RetiredToggleWarning
from .tracer import handle_read, install, installed, uninstall

__all__ = [
    "RetiredCourseWaffleFlag",
    "RetiredToggleRead",
    "RetiredToggleWarning",
    "drop_in_flag",
    "flush_counts",
    "handle_read",
    "install",
    "installed",
    "read_counts",
    "uninstall",
]
