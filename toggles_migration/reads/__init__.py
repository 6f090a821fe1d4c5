"""Everything about remaining reads of retired toggles: drop-in flags, tracer, warnings and counts."""

from .counts import flush_counts, read_counts
from .exceptions import RetiredToggleRead, RetiredToggleWarning
from .flag import RetiredCourseWaffleFlag, drop_in_flag, drop_in_names
from .tracer import handle_read, install, installed, uninstall

# Besides these, each declared retirement's drop-in flag, under its upstream constant's name (``__getattr__``).
__all__ = [
    "RetiredCourseWaffleFlag",
    "RetiredToggleRead",
    "RetiredToggleWarning",
    "drop_in_flag",
    "drop_in_names",
    "flush_counts",
    "handle_read",
    "install",
    "installed",
    "read_counts",
    "uninstall",
]


def __getattr__(name: str) -> RetiredCourseWaffleFlag:
    """Each declared retirement's drop-in flag, under the name of the constant upstream bound it to."""
    retirement = drop_in_names().get(name)
    if retirement is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return drop_in_flag(retirement)
