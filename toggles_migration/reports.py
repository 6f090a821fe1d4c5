"""Build the plain, JSON-ready data that the operator command renders; no I/O here."""

from typing import Any

from .advice import advise
from .notices import Notice, type_name
from .settings_shim import DEFAULT_KEY, ShimResult


def settings_report(result: ShimResult | None, decisions: dict[str, bool] | None = None) -> dict[str, Any]:
    """
    Describe the effective managed options of every backend; never includes any other backend key.

    ``decisions`` ({toggle: captured decision}) make the hints propose the captured values.
    """
    if result is None:
        return {"configured": False, "default": None, "backends": {}, "notices": []}
    default = result.value.get(DEFAULT_KEY)
    backends: dict[str, dict[str, dict[str, bool | str]]] = {}
    for effective in result.options:
        backends.setdefault(effective.backend, {})[effective.option] = {
            "value": effective.value,
            "source": effective.source,
        }
    return {
        "configured": True,
        # A DEFAULT that is not a name may be a misplaced backend dict holding credentials: show its type only.
        "default": default if isinstance(default, str) or default is None else f"<{type_name(default)}>",
        "backends": {name: backends[name] for name in sorted(backends)},
        "notices": [notice_report(notice) for notice in advise(result.notices, decisions or {})],
    }


def notice_report(notice: Notice) -> dict[str, str]:
    """Describe one notice."""
    return {"id": notice.check_id, "level": notice.level, "message": notice.message, "hint": notice.hint}
