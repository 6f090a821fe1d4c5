"""What every stored-state action shares: its Context, its refusals, its lock and transaction, its report parts."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.apps.registry import Apps
from django.db import DatabaseError, transaction
from django.db.models import Model

from ..plan import OMITTED_WHEN_EMPTY, OMITTED_WHEN_NONE, Snippet
from ..retirements import Retirement, get_retirement
from ..settings.authority import effective_backends
from ..settings.config import read_settings
from ..settings.shim import ShimResult
from . import batching, locking, streams
from .tables import Row, TableSpec
from .waffle_cache import clear_flag_cache_or_warn

# The models an action reads are looked up in its apps registry, historical in a migration: they have no static
# type, so a Capture is Any here.

log = logging.getLogger("toggles_migration.state")
SAMPLE = 10
NOT_CAPTURED = "not captured"
# Literal values of Capture.state: historical models in migrations have no class constants.
CAPTURED, PRUNED = "captured", "pruned"

COMMAND = "manage.py retire_toggle"
FIX_SETTINGS = f"merge the snippet into PROCTORING_BACKENDS (LMS and CMS), restart, then {COMMAND} verify"


class ActionRefused(Exception):
    """An action that would lose or invent data; the message says why and what to do."""


class SettingsDisagree(ActionRefused):
    """A prune while the running settings disagree with the captured decision; ``snippet`` is the fix."""

    def __init__(self, message: str, snippet: Snippet) -> None:
        super().__init__(message)
        self.snippet = snippet


@dataclass(frozen=True)
class Context:
    """Where and with what an action runs: an apps registry (historical or live), a database, the settings."""

    apps: Apps
    using: str
    retirement: Retirement
    legacy_backends: tuple[str, ...]
    default_provider: str | None
    flag_default: bool
    shim_result: ShimResult | None
    decision_override: bool | None
    strict: bool

    def model(self, name: str) -> type[Model]:
        """Return one of our own models from the registry."""
        return self.apps.get_model("toggles_migration", name)

    def manager(self, model: type[Model]) -> Any:
        """Return a plain manager of ``model`` on the context's database (historical models have no others)."""
        return model._base_manager.db_manager(self.using)


def make_context(apps: Apps, toggle: str, using: str = "default", decision_override: bool | None = None) -> Context:
    """Build a Context from the running Django settings, read now."""
    from django.conf import settings

    config = read_settings()
    retirement = get_retirement(toggle)
    shim_result = effective_backends()
    default = shim_result.value.get("DEFAULT") if shim_result is not None else None
    if decision_override is None:
        decision_override = config.decisions.get(toggle)
    return Context(
        apps=apps,
        using=using,
        retirement=retirement,
        legacy_backends=config.legacy_backends,
        default_provider=default if isinstance(default, str) else None,
        flag_default=bool(getattr(settings, "WAFFLE_FLAG_DEFAULT", retirement.legacy_default)),
        shim_result=shim_result,
        decision_override=decision_override,
        strict=config.strict,
    )


def get_capture(ctx: Context) -> Any:
    """Return the Capture of the context's toggle, or None (unlocked: for reports)."""
    return ctx.manager(ctx.model("Capture")).filter(toggle=ctx.retirement.name).first()


def lock(ctx: Context, write: bool = True) -> Any:
    """Return the context's Capture locked until the transaction ends, or None: the actions' serialisation."""
    return locking.lock_capture(ctx.manager(ctx.model("Capture")), ctx.retirement.name, write=write)


@contextmanager
def serialised(ctx: Context) -> Iterator[None]:
    """One transaction for one action; the loser of a race, or an oversized statement, becomes a refusal."""
    try:
        with transaction.atomic(using=ctx.using):
            yield
    except DatabaseError as error:
        reason = locking.busy_reason(error)
        if reason is not None:
            raise ActionRefused(
                f"Another process was changing {ctx.retirement.name} at the same time ({reason}): nothing was "
                "changed by this run. Run it again once the other retire_toggle action or migration has finished."
            ) from error
        if batching.packet_too_large(error):
            raise ActionRefused(
                f"A statement for {ctx.retirement.name} exceeded the database's max_allowed_packet: nothing was "
                "changed. Raise max_allowed_packet (MariaDB/MySQL server setting) above the largest stored row."
            ) from error
        raise


def clear_cache_after_commit(ctx: Context, warnings: list[str]) -> None:
    """Clear waffle's cache once committed; a dead cache adds a warning to ``warnings`` instead of failing."""

    def clear() -> None:
        warning = clear_flag_cache_or_warn(ctx.retirement.name)
        if warning:
            log.warning(warning)
            warnings.append(warning)

    transaction.on_commit(clear, using=ctx.using)


def captured_rows(ctx: Context, header: Any, table: str) -> Iterator[Row]:
    """Yield the captured rows of one table, a page at a time, in id order."""
    rows: Iterator[Row] = streams.captured_rows(ctx.manager(ctx.model("CapturedRow")), header.pk, table)
    return rows


def live_rows(ctx: Context, spec: TableSpec) -> Iterator[Row]:
    """Yield the toggle's live rows of one table, locked, a page at a time, in id order."""
    rows: Iterator[Row] = streams.live_rows(ctx.apps, ctx.retirement.name, ctx.using, spec, lock=True)
    return rows


def count_rows(ctx: Context, spec: TableSpec) -> int:
    """Return how many live rows of the toggle one table holds (0 when the table is not installed)."""
    queryset = streams.toggle_rows(ctx.apps, ctx.retirement.name, ctx.using, spec)
    return 0 if queryset is None else int(queryset.count())


@dataclass(frozen=True)
class CapturedDecision:
    """The decision a capture stored."""

    value: bool
    status: str


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


def next_after_change(action: str, dry_run: bool, would_refuse: bool) -> str:
    """Return the one command an operator runs after a prune or restore (or its dry run)."""
    if dry_run:
        return FIX_SETTINGS if would_refuse else f"{COMMAND} {action}"
    if action == "prune":
        return f"{COMMAND} status (remaining reads of the flag); to undo: {COMMAND} restore"
    return f"{COMMAND} verify"
