"""What every stored-state action shares: its Context, its refusals, its lock and transaction, its report parts."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.apps.registry import Apps
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.db.models import Model

from ..plan import OMITTED_WHEN_EMPTY, OMITTED_WHEN_NONE, Snippet
from ..retirements import Retirement, get_retirement
from ..settings.authority import effective_backends
from ..settings.config import read_settings
from ..settings.shim import ShimResult
from . import batching, locking, streams, tables
from .tables import JsonValue, Row, TableSpec, db_values
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
    # Seconds an action waits for the capture's lock (TOGGLES_MIGRATION['LOCK_TIMEOUT']).
    lock_timeout: int

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
        lock_timeout=config.lock_timeout,
    )


def get_capture(ctx: Context) -> Any:
    """Return the Capture of the context's toggle, or None (unlocked: for reports)."""
    return ctx.manager(ctx.model("Capture")).filter(toggle=ctx.retirement.name).first()


def lock(ctx: Context, write: bool = True) -> Any:
    """Return the context's Capture locked until the transaction ends, or None: the actions' serialisation."""
    return locking.lock_capture(ctx.manager(ctx.model("Capture")), ctx.retirement.name, write=write)


def retry_command(ctx: Context, action: str, *flags: str) -> str:
    """Return the ``retire_toggle`` command line that runs ``action`` again on the context's toggle and database."""
    words = [COMMAND, action, *(flag for flag in flags if flag), ctx.retirement.name]
    if ctx.using != DEFAULT_DB_ALIAS:
        words += ["--database", ctx.using]
    return " ".join(words)


class Transient(ActionRefused):
    """A refusal caused by another process or the server, not by the data: the same command may then succeed."""

    def __init__(self, text: str, retry: str) -> None:
        self.text, self.retry = text, retry
        super().__init__(f"{text} {retry}")

    def with_retry(self, retry: str) -> "Transient":
        """Return the same refusal ending with ``retry``: the command the operator ran (a migration's is migrate)."""
        return Transient(self.text, retry)


@contextmanager
def serialised(ctx: Context, retry: str) -> Iterator[int | None]:
    """Run the context's action in one transaction, its lock waits bounded: ``serialised_capture`` of its toggle."""
    with serialised_capture(ctx.using, ctx.retirement.name, ctx.model("Capture"), ctx.lock_timeout, retry) as packet:
        yield packet


@contextmanager
def serialised_capture(
    using: str, toggle: str, capture_model: type[Model], lock_timeout: int, retry: str
) -> Iterator[int | None]:
    """
    One transaction for one action on ``toggle``, its lock waits bounded; a fault is a refusal ending with ``retry``.

    Yields the server's ``max_allowed_packet`` (None: no such limit), read first, while the connection is up.
    The loser of a race, an oversized statement and a connection the server dropped are each refused with
    what the database said and what to do. An action run inside another (prune --refresh captures) is refused
    with the outer one's command. The toggle need not be declared (a migration converts every capture).
    """
    packet = batching.server_packet(connections[using])
    try:
        with locking.bounded_transaction(using, lock_timeout):
            yield packet
    except Transient as inner:
        raise inner.with_retry(retry) from inner.__cause__
    except DatabaseError as error:
        refusal = _fault(
            error,
            packet,
            using=using,
            toggle=toggle,
            capture_table=capture_model._meta.db_table,
            lock_timeout=lock_timeout,
            retry=retry,
        )
        if refusal is None:
            raise
        raise refusal from error


def _fault(
    error: DatabaseError,
    packet: int | None,
    *,
    using: str,
    toggle: str,
    capture_table: str,
    lock_timeout: int,
    retry: str,
) -> Transient | None:
    """Return the refusal that answers a database error: a lost race, an oversized statement, a dropped connection."""
    in_force = f" The max_allowed_packet in force was {packet} bytes." if packet is not None else ""
    reason = locking.busy_reason(error)
    if reason is not None:
        held = ""
        if reason in locking.TIMED_OUT:
            reason = f"{reason}: waited {lock_timeout} s, TOGGLES_MIGRATION['LOCK_TIMEOUT']"
            holders = locking.lock_holders(using, capture_table)
            held = (
                " The database does not say which process holds the lock."
                if holders is None
                else f" Locks held now by: {'; '.join(holders) or 'no other process (it has finished)'}."
            )
        text = (
            f"Another process was changing {toggle} at the same time ({reason}): nothing was changed "
            f"by this run.{held} Run it again once the other retire_toggle action or migration has finished:"
        )
    elif batching.packet_too_large(error):
        text = (
            f"A statement for {toggle} exceeded the database's max_allowed_packet: nothing was "
            f"changed.{in_force} Raise max_allowed_packet (MariaDB/MySQL server setting) above the largest "
            "stored row, then run it again:"
        )
    elif (lost := batching.connection_lost(error)) is not None:
        text = (
            f"The database dropped the connection while this run was working on {toggle} ({lost}): "
            f"its transaction did not commit, so the database rolled it back.{in_force} MariaDB and MySQL drop "
            "the connection on a statement larger than that; the server's log says why it did. Run it again:"
        )
    else:
        return None
    return Transient(text, retry)


@dataclass
class PacketCheck:
    """The captured rows of one table whose INSERT would not fit the server's ``max_allowed_packet``, as found."""

    ctx: Context
    spec: TableSpec
    # The server's max_allowed_packet, read now (None: the database has no such limit).
    packet: int | None
    # The first ids found (up to SAMPLE), how many there are, and the bytes the largest needs.
    ids: list[JsonValue] = field(default_factory=list)
    count: int = 0
    largest: int = 0
    # The table's model and restore's INSERT, found once for every row checked (no model: nothing to restore into).
    _model: type[Model] | None = field(init=False, default=None)
    _sql: str = field(init=False, default="")

    def __post_init__(self) -> None:
        self._model = tables.get_model(self.ctx.apps, self.spec)
        if self._model is not None:
            columns = [name for name, _, _ in tables.columns(self._model)]
            self._sql = batching.insert_sql(connections[self.ctx.using], self.spec.table, columns)

    def fits(self, row: Row) -> bool:
        """Return whether restore could insert ``row`` in one statement; record it if not."""
        if self.packet is None or self._model is None:  # no table to restore into here: restore refuses that apart
            return True
        connection = connections[self.ctx.using]
        fits, size = batching.fits_packet(connection, self._sql, db_values(connection, self._model, row), self.packet)
        if not fits:
            self.count += 1
            self.largest = max(self.largest, size)
            if len(self.ids) < SAMPLE:
                self.ids.append(row["id"])
        return fits

    def refuse(self, consequence: str, retry: str) -> None:
        """Raise ActionRefused naming the rows found too large, if any: ``consequence`` says what it prevents."""
        if self.count:
            raise ActionRefused(
                f"{self.count} captured {self.spec.table} rows of {self.ctx.retirement.name} (ids {self.ids}) need "
                f"a larger statement to be restored than the server's max_allowed_packet ({self.packet} bytes) "
                f"allows: {consequence} Raise max_allowed_packet (MariaDB/MySQL server setting) to at least "
                f"{self.largest} bytes, then run it again: {retry}"
            )


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
