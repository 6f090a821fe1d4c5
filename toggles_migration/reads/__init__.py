"""Everything about remaining reads of retired toggles: drop-in flags, tracer, warnings and counts."""

from .counts import flush_counts, read_counts
from .flag import RetiredCourseWaffleFlag, drop_in_flag, drop_in_getattr
from .notify import RetiredToggleRead, RetiredToggleWarning
from .tracer import handle_read, install, installed, uninstall

# Besides these, each declared retirement's drop-in flag, under its upstream constant's name (``__getattr__``).
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

__getattr__ = drop_in_getattr(__name__)
