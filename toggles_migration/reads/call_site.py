"""Find the code that read a retired toggle: the first frame outside the flag machinery and Django."""

import functools
import os
import sys
import threading
from dataclasses import dataclass
from types import FrameType, ModuleType
from typing import Any

_lock = threading.Lock()
# The folders whose frames are machinery, not callers.
_folders: list[str] = []


@dataclass(frozen=True)
class CallSite:
    """Where a read came from, and what ``warnings.warn_explicit`` needs to point there."""

    path: str
    line: int
    function: str
    module: str
    registry: dict[Any, Any]

    @property
    def label(self) -> str:
        """``path:line in function``."""
        return f"{self.path}:{self.line} in {self.function}"


def skip_module(module: ModuleType) -> None:
    """Treat every frame in ``module``'s package folder as machinery, not as a caller."""
    if module.__file__ is None:
        raise TypeError(f"module {module.__name__} has no __file__ (a namespace package?): name one of its modules")
    folder = os.path.dirname(os.path.abspath(module.__file__)) + os.sep
    with _lock:
        if folder not in _folders:
            _folders.append(folder)


@functools.cache
def _skip_defaults() -> None:
    """Skip Django's, django-waffle's, edx-toggles' and this package's folders, on first use (they import late)."""
    import django
    import edx_toggles
    import waffle.utils  # any module of the package: its folder is what is skipped

    for module in (waffle.utils, edx_toggles, django, sys.modules[__package__.partition(".")[0]]):
        skip_module(module)


def find_call_site() -> CallSite:
    """Return the CallSite of the innermost frame outside Django, django-waffle, edx-toggles, waffle_utils and us."""
    _skip_defaults()
    machinery = tuple(_folders)
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(machinery):
        frame = frame.f_back
    if frame is None:
        return CallSite("<unknown>", 0, "<unknown>", "", {})
    path = frame.f_code.co_filename
    cwd = os.getcwd() + os.sep
    return CallSite(
        path=path[len(cwd) :] if path.startswith(cwd) else path,
        line=frame.f_lineno,
        function=frame.f_code.co_name,
        module=frame.f_globals.get("__name__", ""),
        registry=frame.f_globals.setdefault("__warningregistry__", {}),
    )
