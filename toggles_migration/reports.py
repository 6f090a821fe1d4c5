"""The typed report each action returns, and the next step each one proposes; no I/O here (rendering.py renders)."""

from dataclasses import dataclass, field
from typing import Any, Final

from .advice import advise
from .backend_loading import BackendState
from .mapping import EffectiveSetting, EffectiveValue, Plan, Snippet
from .notices import Notice, type_name
from .reads.counts import ReadCounts
from .settings_shim import DEFAULT_KEY, ShimResult

# How rendering.json_data treats a field, as the field's metadata: left out of the JSON, left out when None (a
# key that does not apply to this report), or left out when empty.
JSON: Final = "json"
NOT_IN_JSON: Final = {JSON: "omit"}
OMITTED_WHEN_NONE: Final = {JSON: "omit-none"}
OMITTED_WHEN_EMPTY: Final = {JSON: "omit-empty"}

COMMAND = "manage.py retire_toggle"
ALREADY_CAPTURED = "already captured; --refresh captures again"


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
    backends: dict[str, dict[str, EffectiveValue]]
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
class ListItem:
    """One declared retirement and the state of its capture."""

    toggle: str
    option: str
    state: str
    captured_at: str | None
    row_count: int | None


@dataclass(frozen=True)
class ListReport:
    """``list``: every declared retirement."""

    retirements: tuple[ListItem, ...]


@dataclass(frozen=True)
class CapturedDecision:
    """The decision a capture stored."""

    value: bool
    status: str


@dataclass(frozen=True)
class CaptureReport:
    """``capture``: the Plan this run computed and stored, or None when it kept the existing capture."""

    toggle: str
    plan: Plan | None

    @property
    def created(self) -> bool:
        """Whether this run captured (rather than kept an earlier capture)."""
        return self.plan is not None


@dataclass(frozen=True)
class VerifyReport:  # pylint: disable=too-many-instance-attributes
    """``verify``: the effective settings compared with the captured decision; ``exit_code`` is the command's."""

    toggle: str
    state: str
    # True agree, False disagree, None nothing captured.
    agrees: bool | None
    snippet: Snippet
    option: str | None = field(default=None, metadata=OMITTED_WHEN_NONE)
    decision: CapturedDecision | None = field(default=None, metadata=OMITTED_WHEN_NONE)
    effective_setting: EffectiveSetting | None = field(default=None, metadata=OMITTED_WHEN_NONE)
    exit_code: int = field(init=False, metadata=NOT_IN_JSON)
    next: str = field(init=False)

    def __post_init__(self) -> None:
        # 0 agree, 1 disagree, 2 nothing captured: the codes scripts test.
        object.__setattr__(self, "exit_code", {True: 0, False: 1, None: 2}[self.agrees])
        object.__setattr__(self, "next", next_after_verify(self.agrees))


@dataclass(frozen=True)
class Unresolved:
    """A captured link or author whose user or group no longer exists: left out, or restored as NULL."""

    table: str
    column: str
    id: int
    missing: int


@dataclass(frozen=True)
class ChangeReport:  # pylint: disable=too-many-instance-attributes
    """``prune`` (``deleted``) or ``restore`` (``restored``): the rows this run changed, or would change."""

    toggle: str
    dry_run: bool
    # {table: rows}: exactly one of the two is set.
    deleted: dict[str, int] | None = field(default=None, metadata=OMITTED_WHEN_NONE)
    restored: dict[str, int] | None = field(default=None, metadata=OMITTED_WHEN_NONE)
    unresolved: tuple[Unresolved, ...] | None = field(default=None, metadata=OMITTED_WHEN_NONE)
    note: str | None = field(default=None, metadata=OMITTED_WHEN_NONE)
    # A prune dry run: whether the real run would refuse (the settings disagree), and the snippet that fixes it.
    would_refuse: bool | None = field(default=None, metadata=OMITTED_WHEN_NONE)
    snippet: Snippet | None = field(default=None, metadata=OMITTED_WHEN_NONE)
    # A prune: whether it went ahead with --force while the settings disagree.
    forced: bool | None = field(default=None, metadata=OMITTED_WHEN_NONE)
    # Added once the change is committed, if waffle's cache could not be cleared: the change stands.
    warnings: list[str] = field(default_factory=list, metadata=OMITTED_WHEN_EMPTY)
    next: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "next", next_after_change(self.action, self.dry_run, bool(self.would_refuse)))

    @property
    def action(self) -> str:
        """``prune`` or ``restore``."""
        return "prune" if self.deleted is not None else "restore"

    @property
    def counts(self) -> dict[str, int]:
        """{table: rows} deleted or restored."""
        return self.deleted if self.deleted is not None else self.restored or {}


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


@dataclass(frozen=True)
class ExportHead:
    """``export`` without its rows: the capture's header, and the plan as it was stored when captured."""

    toggle: str
    state: str
    captured_at: str
    pruned_at: str | None
    decision: CapturedDecision
    row_count: int
    # The stored JSON as written by the version that captured it: data, not a Plan of this version.
    plan: dict[str, Any]


@dataclass(frozen=True)
class Export(ExportHead):
    """The whole captured snapshot in memory: the head and every row per table (``export_json`` streams it)."""

    rows: dict[str, list[dict[str, Any]]]


def next_after_verify(agrees: bool | None) -> str:
    """Return the one command an operator runs after verify answered ``agrees``."""
    if agrees is None:
        return "manage.py migrate toggles_migration"
    return f"{COMMAND} prune --dry-run" if agrees else _FIX_SETTINGS


def next_after_change(action: str, dry_run: bool, would_refuse: bool) -> str:
    """Return the one command an operator runs after a prune or restore (or its dry run)."""
    if dry_run:
        return _FIX_SETTINGS if would_refuse else f"{COMMAND} {action}"
    if action == "prune":
        return f"{COMMAND} status (remaining reads of the flag); to undo: {COMMAND} restore"
    return f"{COMMAND} verify"


_FIX_SETTINGS = f"merge the snippet into PROCTORING_BACKENDS (LMS and CMS), restart, then {COMMAND} verify"


def settings_report(
    result: ShimResult | None,
    decisions: dict[str, bool] | None = None,
    backend_loading: dict[str, BackendState] | None = None,
) -> SettingsReport:
    """
    Describe the effective managed options of every backend; never includes any other backend key.

    ``decisions`` ({toggle: captured decision}) make the hints propose the captured values; ``backend_loading``
    says whether edx-proctoring loaded each backend (None: not installed here).
    """
    if result is None:
        return SettingsReport(configured=False, default=None, backends={}, notices=())
    default = result.value.get(DEFAULT_KEY)
    backends: dict[str, dict[str, EffectiveValue]] = {}
    for effective in result.options:
        backends.setdefault(effective.backend, {})[effective.option] = EffectiveValue(effective.value, effective.source)
    return SettingsReport(
        configured=True,
        default=default if isinstance(default, str) or default is None else f"<{type_name(default)}>",
        backends={name: backends[name] for name in sorted(backends)},
        notices=tuple(notice_report(notice) for notice in advise(result.notices, decisions or {})),
        backend_loading=backend_loading,
    )


def notice_report(notice: Notice) -> NoticeReport:
    """Describe one notice."""
    return NoticeReport(id=notice.check_id, level=notice.level, message=notice.message, hint=notice.hint)
