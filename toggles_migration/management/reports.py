"""The command's own reports, which combine the stored state with the settings and the reads; no output here."""

from dataclasses import dataclass

from .. import reads
from ..checks.advice import advise
from ..checks.backend_loading import BackendState
from ..checks.notices import type_name
from ..plan import Plan, Snippet
from ..reads.counts import ReadCounts
from ..settings.config import read_settings
from ..settings.shim import DEFAULT_KEY, EffectiveOptions, ShimResult
from ..state.capture import verify
from ..state.context import Context


@dataclass(frozen=True)
class NoticeReport:
    """One notice of the settings shim, as ``settings`` reports it."""

    id: str
    level: str
    message: str
    hint: str


@dataclass(frozen=True)
class SettingsReport:
    """``settings``: every backend's effective managed options, and the notices."""

    configured: bool
    # A name, None, or ``<type>`` when it is not a name (it may be a misplaced dict holding credentials).
    default: str | None
    backends: EffectiveOptions
    notices: tuple[NoticeReport, ...]
    # Whether edx-proctoring loaded each configured backend; None when it is not installed here.
    backend_loading: dict[str, BackendState] | None = None


@dataclass(frozen=True)
class PlanReport:
    """``plan``: the Plan (as a capture stores it), and whether edx-proctoring loaded its legacy backends now."""

    plan: Plan
    # None when edx-proctoring is not installed here.
    backend_loading: dict[str, BackendState] | None


@dataclass(frozen=True)
class StatusVerify:
    """The part of verify's answer that ``status`` shows."""

    exit_code: int
    agrees: bool | None
    snippet: Snippet


@dataclass(frozen=True)
class StatusReport:
    """``status``: the capture's state, verify's answer and the remaining reads counted across processes."""

    toggle: str
    state: str
    verify: StatusVerify
    reads_mode: str
    tracer_installed: bool
    # None when the cache is unavailable.
    reads: ReadCounts | None


def status(ctx: Context) -> StatusReport:
    """``status``: the capture's state, verify's answer and the remaining reads counted across processes."""
    verified = verify(ctx)
    config = read_settings()
    return StatusReport(
        toggle=ctx.retirement.name,
        # verify read the capture's state already (NOT_CAPTURED without one): no second query.
        state=verified.state,
        verify=StatusVerify(exit_code=verified.exit_code, agrees=verified.agrees, snippet=verified.snippet),
        reads_mode=config.reads,
        tracer_installed=reads.installed(),
        reads=reads.read_counts(ctx.retirement.name, config.reads_cache),
    )


def settings_report(
    result: ShimResult | None,
    decisions: dict[str, bool] | None = None,
    backend_loading: dict[str, BackendState] | None = None,
) -> SettingsReport:
    """Describe every backend's effective managed options, never another key; hints propose ``decisions``."""
    if result is None:
        return SettingsReport(configured=False, default=None, backends={}, notices=())
    default = result.value.get(DEFAULT_KEY)
    return SettingsReport(
        configured=True,
        default=default if isinstance(default, str) or default is None else f"<{type_name(default)}>",
        backends={name: dict(result.options[name]) for name in sorted(result.options)},
        notices=tuple(
            NoticeReport(id=notice.check_id, level=notice.level, message=notice.message, hint=notice.hint)
            for notice in advise(result.notices, decisions or {})
        ),
        backend_loading=backend_loading,
    )
