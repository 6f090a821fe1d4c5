"""Find the code that read a retired toggle: the first frame outside the flag machinery and Django."""

import os
import sys
import threading
from dataclasses import dataclass

_lock = threading.Lock()
_skipped = []
_defaults_added = []


@dataclass(frozen=True)
class CallSite:
    """Where a read came from, and what ``warnings.warn_explicit`` needs to point there."""

    path: str
    line: int
    function: str
    module: str
    registry: dict

    @property
    def label(self):
        """``path:line in function``."""
        return f"{self.path}:{self.line} in {self.function}"


def skip_module(module):
    """Treat every frame in ``module``'s package folder as machinery, not as a caller."""
    folder = os.path.dirname(os.path.abspath(module.__file__)) + os.sep
    with _lock:
        if folder not in _skipped:
            _skipped.append(folder)


def _machinery():
    if not _defaults_added:
        _defaults_added.append(True)
        import django.template
        import edx_toggles
        import waffle

        from .. import capabilities

        for module in (waffle, edx_toggles, django, capabilities):
            skip_module(module)
    return tuple(_skipped)


def find_call_site():
    """Return the CallSite of the innermost frame outside Django, django-waffle, edx-toggles, waffle_utils and us."""
    machinery = _machinery()
    frame = sys._getframe(1)
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
