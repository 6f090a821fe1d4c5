"""
Every wait for the capture's lock ends after TOGGLES_MIGRATION['LOCK_TIMEOUT'], and every fault is one refusal.

A second connection of the test holds the lock in an open transaction while an action or ``migrate`` runs on the
test's own connection, with a one-second timeout: the action refuses, naming the holder where the database
can tell, and the command to run again; no traceback, nothing changed, the session's own wait put back.
"""

import re
import sqlite3
import threading
import time
from contextlib import redirect_stderr, redirect_stdout
from io import StringIO

import ddt
import pytest
from django.core.cache import cache
from django.core.management import ManagementUtility, call_command
from django.core.management.base import CommandError
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.migrations.executor import MigrationExecutor
from django.test import TransactionTestCase, override_settings

from tests import factories as f
from tests.test_packets import PacketTestCase
from toggles_migration.models import Capture
from toggles_migration.state import context, locking, prune, restore

NAME = f.NAME
APP = "toggles_migration"
TIMEOUT = 1
TABLE = Capture._meta.db_table
SELECT_FOR_UPDATE = f"SELECT id FROM {TABLE} WHERE toggle = %s FOR UPDATE"
INSERT = (
    f"INSERT INTO {TABLE} (toggle, state, captured_at, decision_value, decision_status, row_count, plan_json) "
    "VALUES (%s, 'captured', '2026-01-01 00:00:00', FALSE, '', 0, '{}')"
)
REASON = {"sqlite": "database is locked", "postgresql": "lock timeout", "mysql": "lock wait timeout"}


class Holder:
    """Another connection holding the capture's lock (or, before the first capture, its unique key) until closed."""

    def __init__(self, statement):
        self.statement = statement
        self.pid = None
        self.raw = self.other = None

    def __enter__(self):
        if connection.vendor == "sqlite":
            # The whole file's write lock: what any other writer holds while it runs.
            self.raw = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
            self.raw.execute("BEGIN IMMEDIATE")
            return self
        self.other = connections.create_connection(DEFAULT_DB_ALIAS)
        self.other.ensure_connection()
        self.other.set_autocommit(False)
        with self.other.cursor() as cursor:
            if connection.vendor == "postgresql":
                # Were the timeout not applied, the test would fail after 20 s rather than wait for ever.
                cursor.execute("SET idle_in_transaction_session_timeout = '20s'")
            cursor.execute("SELECT pg_backend_pid()" if connection.vendor == "postgresql" else "SELECT CONNECTION_ID()")
            self.pid = cursor.fetchone()[0]
            cursor.execute(self.statement, [NAME] if "%s" in self.statement else None)
        return self

    def __exit__(self, *exc_info):
        if connection.vendor == "sqlite":
            self.raw.rollback()
            self.raw.close()
        else:
            self.other.rollback()
            self.other.close()

    def named(self, statement):
        """The refusal's sentence about the holder, its seconds replaced by N."""
        if connection.vendor == "sqlite":
            return " The database does not say which process holds the lock."
        user = connection.settings_dict["USER"]
        if connection.vendor == "postgresql":
            return (
                f" Locks held now by: process {self.pid} (user {user}, idle in transaction, N s into its transaction, "
                f"statement {statement})."
            )
        return f" Locks held now by: process {self.pid} (user {user}, sleep, N s into its transaction)."


def busy(retry, held, toggle=NAME):
    """The refusal of an action on ``toggle`` that waited TIMEOUT seconds for the lock."""
    return (
        f"Another process was changing {toggle} at the same time ({REASON[connection.vendor]}: waited {TIMEOUT} s, "
        f"TOGGLES_MIGRATION['LOCK_TIMEOUT']): nothing was changed by this run.{held} Run it again once the other "
        f"retire_toggle action or migration has finished: {retry}"
    )


def seconds_as_n(message):
    return re.sub(r"\d+ s into its transaction", "N s into its transaction", message)


def session_wait():
    """The wait for a lock this session has outside any action."""
    with connection.cursor() as cursor:
        cursor.execute(
            {
                "sqlite": "PRAGMA busy_timeout",
                "postgresql": "SHOW lock_timeout",
                "mysql": "SELECT @@SESSION.innodb_lock_wait_timeout, @@SESSION.lock_wait_timeout",
            }[connection.vendor]
        )
        return cursor.fetchone()


@ddt.ddt
@override_settings(TOGGLES_MIGRATION={"READS": "silent", "LOCK_TIMEOUT": TIMEOUT})
class ActionLockTimeoutTest(TransactionTestCase):
    """Each action on a capture gives up after LOCK_TIMEOUT while another transaction holds the lock."""

    def setUp(self):
        super().setUp()
        cache.clear()
        f.forget_captures()
        f.seed_full_state()
        call_command("retire_toggle", "capture", stdout=StringIO())
        self.before = f.snapshot()

    @ddt.data(
        ("prune",),
        ("prune", "--dry-run"),
        ("restore",),
        ("restore", "--dry-run"),
        ("capture", "--refresh"),
        ("export",),
    )
    def test_refuses_after_the_timeout_naming_the_holder_and_the_command(self, argv):
        if argv == ("export",) and connection.vendor == "sqlite":
            self.skipTest("SQLite: export reads without the write lock, so another writer never makes it wait")
        wait = session_wait()
        with Holder(SELECT_FOR_UPDATE) as holder, pytest.raises(CommandError) as refused:
            call_command("retire_toggle", *argv, stdout=StringIO())
        action, *flags = argv
        retry = " ".join(["manage.py retire_toggle", action, *flags, NAME])
        assert seconds_as_n(str(refused.value)) == busy(retry, holder.named(f"SELECT id FROM {TABLE} ..."))
        assert f.snapshot() == self.before
        assert Capture.objects.get(toggle=NAME).state == "captured"
        assert session_wait() == wait

    def test_a_wait_for_the_tables_metadata_lock_is_bounded_too(self):
        if connection.vendor != "mysql":
            self.skipTest(
                "MariaDB/MySQL: a table's metadata lock has its own wait (PostgreSQL's lock_timeout has both)"
            )
        # As when an ALTER TABLE holds the table, or waits for it ahead of every later statement.
        with Holder(f"LOCK TABLES {TABLE} WRITE") as holder, pytest.raises(CommandError) as refused:
            call_command("retire_toggle", "prune", stdout=StringIO())
        assert seconds_as_n(str(refused.value)) == busy(f"manage.py retire_toggle prune {NAME}", holder.named(""))
        assert Capture.objects.get(toggle=NAME).state == "captured"

    def test_an_alter_table_waiting_ahead_is_named(self):
        if connection.vendor != "mysql":
            self.skipTest(
                "MariaDB/MySQL: a table's metadata lock has its own wait (PostgreSQL's lock_timeout has both)"
            )
        alter = f"ALTER TABLE {TABLE} COMMENT ''"
        with Holder(f"SELECT id FROM {TABLE} WHERE toggle = %s"):
            # The ALTER TABLE waits for the reader's transaction; every later statement on the table waits behind it.
            waiting = threading.Thread(target=_run_elsewhere, args=("SET SESSION lock_wait_timeout = 20", alter))
            waiting.start()
            self.addCleanup(waiting.join)
            for _ in range(200):
                if locking.lock_holders(DEFAULT_DB_ALIAS, TABLE):
                    break
                time.sleep(0.05)
            with pytest.raises(CommandError) as refused:
                call_command("retire_toggle", "prune", stdout=StringIO())
        assert re.sub(r"process \d+", "process N", str(refused.value)) == busy(
            f"manage.py retire_toggle prune {NAME}",
            f" Locks held now by: process N (user {connection.settings_dict['USER']}, waiting for table metadata lock, "
            f"statement ALTER TABLE {TABLE} COMMENT ...).",
        )

    def test_an_action_that_gets_the_lock_in_time_runs(self):
        with Holder(SELECT_FOR_UPDATE):
            pass
        call_command("retire_toggle", "prune", stdout=StringIO())
        assert Capture.objects.get(toggle=NAME).state == "pruned"


def _run_elsewhere(*statements):
    """Run ``statements`` on a connection of their own (the ALTER TABLE test runs this in a thread of its own)."""
    other = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with other.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
    finally:
        other.close()


def _migrate(*argv):
    """Run ``manage.py migrate`` as an operator does; return (exit code, stdout, stderr)."""
    out, err = StringIO(), StringIO()
    code = 0
    with redirect_stdout(out), redirect_stderr(err):
        try:
            ManagementUtility(["manage.py", "migrate", *argv]).execute()
        except SystemExit as exit_:
            code = exit_.code
    return code, out.getvalue(), err.getvalue()


def _migrate_to_latest():
    executor = MigrationExecutor(connection)
    with redirect_stdout(StringIO()):
        executor.migrate(executor.loader.graph.leaf_nodes())


@override_settings(TOGGLES_MIGRATION={"READS": "silent", "LOCK_TIMEOUT": TIMEOUT})
class MigrationLockTimeoutTest(TransactionTestCase):
    """The capture migration, forwards and backwards, gives up after LOCK_TIMEOUT with one message."""

    def setUp(self):
        super().setUp()
        cache.clear()
        f.forget_captures()
        f.seed_full_state()
        self.addCleanup(_migrate_to_latest)

    def test_backwards_refuses_without_a_traceback(self):
        call_command("retire_toggle", "capture", stdout=StringIO())
        with Holder(SELECT_FOR_UPDATE) as holder:
            code, _, err = _migrate("toggles_migration", "0001")
        assert code == 1
        # Migration 0004, reversed first, locks each capture in turn: the held one is refused on every database.
        retry = f"the same manage.py migrate {APP} <target>"
        held = holder.named(f"SELECT id FROM {TABLE} ...")
        assert seconds_as_n(err) == f"MigrationRefused: {busy(retry, held)}\n"
        assert Capture.objects.filter(toggle=NAME).exists()

    def test_forwards_refuses_without_a_traceback(self):
        _migrate("toggles_migration", "0001")
        assert not Capture.objects.exists()
        with Holder(INSERT) as holder:
            code, _, err = _migrate("toggles_migration")
        assert code == 1
        held = holder.named(f"INSERT INTO {TABLE} ...")
        assert seconds_as_n(err) == f"MigrationRefused: {busy('manage.py migrate toggles_migration', held)}\n"
        assert not Capture.objects.exists()


def _terminate(pid):
    """End the session ``pid`` from another connection, as a server restart or a killed query does."""
    if connection.vendor == "postgresql":
        _run_elsewhere(f"SELECT pg_terminate_backend({int(pid)})")
    else:
        _run_elsewhere(f"KILL CONNECTION {int(pid)}")


def _session_id():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()" if connection.vendor == "postgresql" else "SELECT CONNECTION_ID()")
        return cursor.fetchone()[0]


@override_settings(TOGGLES_MIGRATION={"READS": "silent"})
class DroppedConnectionTest(TransactionTestCase):
    """A connection the server drops in the middle of a batch is a refusal naming the packet size in force."""

    def setUp(self):
        super().setUp()
        if connection.vendor == "sqlite":
            self.skipTest("SQLite has no server to drop the connection")
        cache.clear()
        f.forget_captures()
        f.seed_full_state()
        call_command("retire_toggle", "capture", stdout=StringIO())
        call_command("retire_toggle", "prune", stdout=StringIO())
        self.addCleanup(connection.close)

    def test_restore_refuses_and_restores_nothing(self):
        original = restore._insert_rows  # pylint: disable=protected-access

        def dropped(*args):
            _terminate(_session_id())
            original(*args)

        with (
            pytest.MonkeyPatch.context() as patch,
            pytest.raises(CommandError) as refused,
        ):
            patch.setattr(restore, "_insert_rows", dropped)
            call_command("retire_toggle", "restore", stdout=StringIO())
        connection.close()
        message = str(refused.value)
        if connection.vendor == "mysql":
            lost = re.search(r"\((error (2006|2013): [^)]*)\)", message)
            packet = " The max_allowed_packet in force was 16777216 bytes."
        else:
            lost = re.search(r"\((SQLSTATE 57P01|the connection was closed)\)", message)
            packet = ""
        assert lost, message
        assert message == (
            f"The database dropped the connection while this run was working on {NAME} ({lost.group(1)}): its "
            f"transaction did not commit, so the database rolled it back.{packet} MariaDB and MySQL drop the "
            "connection on a statement larger than that; the server's log says why it did. Run it again: "
            f"manage.py retire_toggle restore {NAME}"
        )
        assert Capture.objects.get(toggle=NAME).state == "pruned"
        assert f.row_total() == 0


PACKET = 64 * 1024
NOTE = "x" * (PACKET + 1000)


@override_settings(TOGGLES_MIGRATION={"READS": "silent"})
class UnrestorableRowTest(PacketTestCase):
    """A captured row that restore could not insert under the server's current packet size stops prune and restore."""

    def setUp(self):
        super().setUp()
        f.flag(everyone=False)
        self.big = f.course_override("course-v1:BigX+C1+1", note=NOTE)
        f.course_override("course-v1:SmallX+C2+1")
        call_command("retire_toggle", "capture", stdout=StringIO())
        self.before = f.snapshot()

    def _lowered(self, patch):
        """The server's packet as if an operator lowered it since the capture (below the large row)."""
        patch.setattr("toggles_migration.state.batching.server_packet", lambda _connection: PACKET)

    def _refused(self, argv):
        """Run ``retire_toggle ARGV`` under the lowered packet; return its refusal and the command to run again."""
        with pytest.MonkeyPatch.context() as patch, pytest.raises(CommandError) as refused:
            self._lowered(patch)
            call_command("retire_toggle", *argv, stdout=StringIO())
        return str(refused.value), " ".join(["manage.py retire_toggle", *argv, NAME])

    def _refusal(self, consequence, retry):
        return re.compile(
            re.escape(
                f"1 captured waffle_utils_waffleflagcourseoverridemodel rows of {NAME} (ids [{self.big.pk}]) need a "
                f"larger statement to be restored than the server's max_allowed_packet ({PACKET} bytes) allows: "
                f"{consequence} Raise max_allowed_packet (MariaDB/MySQL server setting) to at least "
            )
            + r"(\d+)"
            + re.escape(f" bytes, then run it again: {retry}")
        )

    def test_prune_refuses_and_deletes_nothing(self):
        for argv in (("prune",), ("prune", "--dry-run")):
            message, retry = self._refused(argv)
            matched = self._refusal("once pruned, restore could not put them back.", retry).fullmatch(message)
            assert matched, message
            assert PACKET < int(matched.group(1)) < PACKET + 2 * len(NOTE)
            assert f.snapshot() == self.before

    def test_restore_and_its_dry_run_refuse_and_insert_nothing(self):
        prune.prune(f.context())
        for argv in (("restore", "--dry-run"), ("restore",)):
            message, retry = self._refused(argv)
            matched = self._refusal("restore cannot put them back, and inserted none.", retry).fullmatch(message)
            assert matched, message
            assert f.row_total() == 0
            assert Capture.objects.get(toggle=NAME).state == "pruned"

    def test_under_the_packet_every_row_is_restored(self):
        prune.prune(f.context())
        call_command("retire_toggle", "restore", stdout=StringIO())
        assert f.snapshot() == self.before


@pytest.mark.parametrize(
    ("statement", "words"),
    [
        (
            'SELECT "t"."id", "t"."toggle" FROM "t" WHERE "t"."toggle" = \'secret\'',
            'SELECT "t"."id", "t"."toggle" FROM ...',
        ),
        ("UPDATE t SET note = 'x' WHERE id = 3", "UPDATE t SET note ..."),
        ("DELETE FROM t WHERE id IN (12, 13)", "DELETE FROM t WHERE ..."),
        ("INSERT INTO t VALUES ('a')", "INSERT INTO t VALUES ..."),
        ("SELECT 1", "SELECT ..."),
        ("COMMIT", "COMMIT"),
        ("'secret'", ""),
        ("", ""),
    ],
)
def test_a_statement_is_shown_by_its_first_words_never_its_values(statement, words):
    assert locking.first_words(statement) == words


def test_the_fault_refusal_names_the_command_to_run_again():
    refusal = context.Transient("The database dropped the connection. Run it again:", "manage.py retire_toggle prune")
    assert str(refusal.with_retry("manage.py migrate toggles_migration")) == (
        "The database dropped the connection. Run it again: manage.py migrate toggles_migration"
    )
