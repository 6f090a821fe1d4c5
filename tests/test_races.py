"""
Two processes racing ``retire_toggle`` actions: the loser waits, the end state is a serial order's.

No traceback ever reaches the operator.

The first process pauses while it holds the lock; the test releases it only once the database shows the
second one waiting for a lock (PostgreSQL, MariaDB), or shortly after the second started (SQLite, where the
whole file has one write lock and a writer waits up to its busy timeout).
"""

import importlib
import multiprocessing
import os
import tempfile
import time
import traceback
from contextlib import nullcontext, redirect_stderr, redirect_stdout
from pathlib import Path
from unittest import mock

import pytest
from django.core.cache import cache
from django.core.management import ManagementUtility
from django.db import connection, connections
from django.test import TransactionTestCase, override_settings
from waffle.models import Flag

from tests import factories as f
from toggles_migration.models import Capture, CapturedRow
from toggles_migration.state import capture, export, prune, tables

pytestmark = pytest.mark.processes
FORK = multiprocessing.get_context("fork")
NAME = f.NAME
COURSE_TABLE = tables.COURSE_OVERRIDES.table
WAIT = 60


def _waiting_for_a_lock():
    """Count the other sessions of this database that wait for a lock (not on SQLite)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
        else:
            # A lock wait on a unique key can happen in the optimiser ("Statistics"), before InnoDB lists the
            # transaction as waiting: a statement still running after half a second is one waiting too.
            cursor.execute(
                "SELECT COUNT(*) FROM information_schema.PROCESSLIST p LEFT JOIN information_schema.INNODB_TRX t "
                "ON p.ID = t.trx_mysql_thread_id WHERE p.DB = DATABASE() AND p.ID <> CONNECTION_ID() "
                "AND p.COMMAND = 'Query' AND (t.trx_state = 'LOCK WAIT' OR p.TIME_MS > 500)"
            )
        return cursor.fetchone()[0]


def _target(dotted):
    """Return (module of toggles_migration.state, function name) for "module.function"."""
    module, name = dotted.split(".")
    return importlib.import_module(f"toggles_migration.state.{module}"), name


class Racer:
    """One forked process: a ``retire_toggle`` command line, or a function returning an exit code."""

    def __init__(self, *argv, run=None, pause_after=None, signal_at=None):
        self.argv = argv
        self.run = run
        # Pause once holding the lock: after the first call of this function ("module.function" of state/).
        self.pause_after = pause_after
        # Announce the attempt to take the lock: before the first call of this function.
        self.signal_at = signal_at
        self.reached = FORK.Event()
        self.release = FORK.Event()
        folder = Path(tempfile.mkdtemp(prefix="race-"))
        self.out_path, self.err_path = folder / "out", folder / "err"
        self.process = FORK.Process(target=self._main)

    def start(self):
        """Fork (the parent's connections are closed first: a child must never share one)."""
        connections.close_all()
        self.process.start()

    def _hook(self):
        if self.pause_after:
            holder, name = _target(self.pause_after)
            original = getattr(holder, name)

            def paused(*args, **kwargs):
                result = original(*args, **kwargs)
                if not self.reached.is_set():
                    self.reached.set()
                    self.release.wait(WAIT)
                return result

            return mock.patch.object(holder, name, paused)
        if self.signal_at:
            holder, name = _target(self.signal_at)
            original = getattr(holder, name)

            def announced(*args, **kwargs):
                self.reached.set()
                return original(*args, **kwargs)

            return mock.patch.object(holder, name, announced)
        return nullcontext()

    def _main(self):
        code = 0
        with (
            open(self.out_path, "w", encoding="utf-8") as out,
            open(self.err_path, "w", encoding="utf-8") as err,
            redirect_stdout(out),
            redirect_stderr(err),
        ):
            try:
                with self._hook():
                    if self.run:
                        self.reached.set()
                        code = self.run()
                    else:
                        ManagementUtility(["manage.py", "retire_toggle", *self.argv]).execute()
            except SystemExit as exit_:
                code = exit_.code if isinstance(exit_.code, int) else 1
            except BaseException:  # noqa: BLE001 - what an operator would see: the test asserts there is none
                traceback.print_exc()
                code = 99
            finally:
                connections.close_all()
        os._exit(code)

    def join(self):
        """Wait for the end; return (exit code, stdout, stderr)."""
        self.process.join(WAIT)
        assert not self.process.is_alive(), f"{self.argv or self.run} did not finish"
        return self.process.exitcode, self.out_path.read_text(), self.err_path.read_text()


@override_settings(TOGGLES_MIGRATION={"READS": "silent"})
class RaceTestCase(TransactionTestCase):
    """Real transactions, and a database shared with forked processes."""

    def setUp(self):
        super().setUp()
        cache.clear()
        f.forget_captures()

    def race(self, first, second):
        """Run ``first`` until it holds the lock, then ``second`` until it waits for it; release; return both."""
        first.start()
        assert first.reached.wait(WAIT), "the first process never took the lock"
        second.start()
        assert second.reached.wait(WAIT), "the second process never tried to take the lock"
        if connection.vendor == "sqlite":
            time.sleep(0.5)  # well within SQLite's 5 s busy timeout: the second is waiting for the write lock
        else:
            deadline = time.monotonic() + WAIT
            while not _waiting_for_a_lock():
                assert time.monotonic() < deadline, "the second process never waited for the first's lock"
                time.sleep(0.05)
            assert second.process.is_alive()
        first.release.set()
        results = first.join(), second.join()
        for code, _, err in results:
            assert "Traceback" not in err, err
            assert code in (0, 1), (code, err)
        return results

    def state(self):
        """The capture's state and the flag's stored rows."""
        header = Capture.objects.filter(toggle=NAME).first()
        return (header.state if header else None), f.snapshot()

    @staticmethod
    def empty():
        return dict.fromkeys(f.snapshot(), ())


class ActionRaceTest(RaceTestCase):
    """prune, restore and capture against each other, each pair in both roles."""

    def setUp(self):
        super().setUp()
        f.seed_full_state()
        self.before = f.snapshot()
        self.total = f.row_total()

    def _pruned(self):
        capture.capture(f.context())
        prune.prune(f.context())
        assert f.row_total() == 0

    def test_restore_waits_for_prune_then_restores_everything(self):
        capture.capture(f.context())
        (code1, out1, _), (code2, out2, _) = self.race(
            Racer("prune", pause_after="locking.lock_capture"), Racer("restore", signal_at="locking.lock_capture")
        )
        assert (code1, code2) == (0, 0)
        assert f"deleted {self.total} rows" in out1
        assert f"restored {self.total} rows" in out2
        assert self.state() == ("captured", self.before)  # prune, then restore

    def test_prune_waits_for_restore_then_prunes_everything(self):
        self._pruned()
        (code1, out1, _), (code2, out2, _) = self.race(
            Racer("restore", pause_after="locking.lock_capture"), Racer("prune", signal_at="locking.lock_capture")
        )
        assert (code1, code2) == (0, 0)
        assert f"restored {self.total} rows" in out1
        assert f"deleted {self.total} rows" in out2
        assert self.state() == ("pruned", self.empty())  # restore, then prune

    def test_second_restore_restores_nothing(self):
        self._pruned()
        (code1, out1, _), (code2, out2, _) = self.race(
            Racer("restore", pause_after="locking.lock_capture"), Racer("restore", signal_at="locking.lock_capture")
        )
        assert (code1, code2) == (0, 0)
        assert f"restored {self.total} rows" in out1
        assert f"{NAME}: restored 0 rows" in out2
        assert self.state() == ("captured", self.before)

    def test_second_prune_deletes_nothing(self):
        capture.capture(f.context())
        (code1, out1, _), (code2, out2, _) = self.race(
            Racer("prune", pause_after="locking.lock_capture"), Racer("prune", signal_at="locking.lock_capture")
        )
        assert (code1, code2) == (0, 0)
        assert f"deleted {self.total} rows" in out1
        assert out2 == (
            f"{NAME}: deleted 0 rows\n  (already pruned)\n"
            "Next: manage.py retire_toggle status (remaining reads of the flag); to undo: manage.py retire_toggle "
            "restore\n"
        )
        assert self.state() == ("pruned", self.empty())

    def test_second_capture_keeps_the_first(self):
        (code1, out1, _), (code2, out2, _) = self.race(
            Racer("capture", pause_after="capture._claim"), Racer("capture", signal_at="locking.lock_capture")
        )
        assert (code1, code2) == (0, 0)
        assert f"captured {NAME}" in out1
        assert out2 == f"{NAME}: already captured; --refresh captures again\n"
        assert Capture.objects.count() == 1
        assert CapturedRow.objects.count() == self.total
        assert export.export(f.context()).rows == {table: list(rows) for table, rows in self.before.items()}

    def test_refresh_waits_for_prune_then_refuses(self):
        capture.capture(f.context())
        (code1, _, _), (code2, _, err2) = self.race(
            Racer("prune", pause_after="locking.lock_capture"),
            Racer("capture", "--refresh", signal_at="locking.lock_capture"),
        )
        assert (code1, code2) == (0, 1)
        assert f"CommandError: {NAME} is pruned: its capture is the only copy of the rows" in err2
        assert self.state() == ("pruned", self.empty())
        assert CapturedRow.objects.count() == self.total


def _set_everyone():
    """The writer: what an administrator saving the flag does; prints how many rows it changed."""
    print(Flag.objects.filter(name=NAME).update(everyone=True))
    return 0


class PruneAgainstWriterTest(RaceTestCase):
    """Rows of the flag changed while prune runs: never deleted in a changed form, never left silently."""

    def setUp(self):
        super().setUp()
        f.seed_full_state()
        capture.capture(f.context())
        self.before = f.snapshot()

    def test_update_of_a_locked_row_waits_for_prune(self):
        (code1, _, _), (code2, out2, _) = self.race(
            Racer("prune", pause_after="prune.compare"), Racer(run=_set_everyone)
        )
        assert (code1, code2) == (0, 0)
        assert out2 == "0\n"  # prune, then the update: the row was gone
        assert self.state() == ("pruned", self.empty())

    def test_row_inserted_during_prune_makes_it_refuse(self):
        if connection.vendor == "sqlite":
            self.skipTest("SQLite's one write lock blocks every writer while prune runs: nothing can be inserted")
        pruner = Racer("prune", pause_after="prune.compare")
        pruner.start()
        assert pruner.reached.wait(WAIT)
        inserted = f.course_override("course-v1:edX+During+1")  # not locked: a new row commits at once
        pruner.release.set()
        code, _, err = pruner.join()
        assert code == 1
        assert "Traceback" not in err
        assert f"CommandError: {COURSE_TABLE} rows of {NAME} changed while it was being pruned" in err
        state, rows = self.state()
        assert state == "captured"  # the insert, then a prune that refused: every row is still there
        assert rows[COURSE_TABLE][:-1] == self.before[COURSE_TABLE]
        assert rows[COURSE_TABLE][-1]["id"] == inserted.pk
        assert {table: rows[table] for table in rows if table != COURSE_TABLE} == {
            table: self.before[table] for table in self.before if table != COURSE_TABLE
        }


@override_settings(TOGGLES_MIGRATION={"READS": "silent", "LOCK_TIMEOUT": 1})
class GivingUpTest(RaceTestCase):
    """A loser that waited TOGGLES_MIGRATION['LOCK_TIMEOUT'] for the lock refuses with the reason, changing nothing."""

    def test_restore_that_stops_waiting_refuses(self):
        f.seed_full_state()
        capture.capture(f.context())
        pruner = Racer("prune", pause_after="locking.lock_capture")
        pruner.start()
        assert pruner.reached.wait(WAIT)
        restorer = Racer("restore")
        restorer.start()
        code, out, err = restorer.join()  # while prune still holds the lock
        pruner.release.set()
        assert pruner.join()[0] == 0
        reason = {"sqlite": "database is locked", "postgresql": "lock timeout", "mysql": "lock wait timeout"}
        assert (code, out) == (1, "")
        assert err.startswith(
            f"CommandError: Another process was changing {NAME} at the same time ({reason[connection.vendor]}: "
            "waited 1 s, TOGGLES_MIGRATION['LOCK_TIMEOUT']): nothing was changed by this run."
        )
        assert err.endswith(
            "Run it again once the other retire_toggle action or migration has finished: manage.py retire_toggle "
            f"restore {NAME}\n"
        )
        assert self.state() == ("pruned", self.empty())
