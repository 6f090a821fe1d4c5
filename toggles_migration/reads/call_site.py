"""Find the code that read a retired toggle: the first frame outside the flag machinery and Django."""

import os
import sys
import threading
from dataclasses import dataclass, field
from types import FrameType, ModuleType
from typing import Any

_lock = threading.Lock()


@dataclass
class _Machinery:
    """The folders whose frames are machinery, not callers; Django's, waffle's and edx-toggles' join on first use."""

    folders: list[str] = field(default_factory=list)
    defaults_added: bool = False


_machinery_state = _Machinery()


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
    _skip_folder(os.path.dirname(os.path.abspath(module.__file__)) + os.sep)


def _skip_folder(folder: str) -> None:
    with _lock:
        if folder not in _machinery_state.folders:
            _machinery_state.folders.append(folder)


def _machinery() -> tuple[str, ...]:
    if not _machinery_state.defaults_added:
        _machinery_state.defaults_added = True
        import django.template
        import edx_toggles
        import waffle.utils  # any module of the package: its folder is what is skipped

        for module in (waffle.utils, edx_toggles, django):
            skip_module(module)
        # this package's folder: its helpers and hooks are machinery too
        _skip_folder(os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep)
    return tuple(_machinery_state.folders)


def find_call_site() -> CallSite:
    """Return the CallSite of the innermost frame outside Django, django-waffle, edx-toggles, waffle_utils and us."""
    machinery = _machinery()
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
