"""The migration operation that captures a retired toggle: a retirement's migration is a few literal lines."""

import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.apps.registry import Apps
from django.core.management.base import CommandError
from django.db import DEFAULT_DB_ALIAS, router
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.operations.base import Operation
from django.db.migrations.state import ProjectState

from .management.plan_text import migration_summary, strict_failure
from .retirements import get_retirement
from .settings.config import tutor_backend_options
from .state import capture, restore
from .state.context import ActionRefused, Transient, make_context

try:  # Django 5.1+ marks the operation as Python code ("p") in makemigrations' output; 4.2 has no categories.
    from django.db.migrations.operations.base import OperationCategory

    _CATEGORY: OperationCategory | None = OperationCategory.PYTHON
except ImportError:  # pragma: no cover - Django 4.2
    _CATEGORY = None

# The operation writes this app's tables (the captures), whichever app's migration runs it: routers are asked
# about this app.
APP_LABEL = "toggles_migration"
# What RunPython would run: a function of the historical apps registry and the schema editor.
_Step = Callable[[Apps, BaseDatabaseSchemaEditor], None]


class MigrationRefused(CommandError, ActionRefused):
    """A refusal of the operation: ``migrate`` prints it as one message and exits 1, never as a traceback."""


class CaptureRetiredToggle(Operation):
    """
    Capture the stored rows of a retired toggle and its decision; backwards, restore what was pruned and forget it.

    ``name`` is a literal naming a declaration in ``retirements.py`` (migration 0002 runs the first one).
    Forwards deletes nothing (``retire_toggle prune`` deletes), prints the decision, and fails instead while
    ``TOGGLES_MIGRATION['STRICT']`` is on and the settings disagree with it. It runs with the migration's
    historical models, on the migration's database.
    """

    reversible = True
    reduces_to_sql = False
    # No DDL: one transaction, even on backends whose schema changes are not transactional (as RunPython).
    atomic = True
    elidable = False
    category = _CATEGORY

    def __init__(self, name: str) -> None:
        # An undeclared name fails when the migration is loaded, naming the declared ones.
        self.name = get_retirement(name).name

    def deconstruct(self) -> tuple[str, list[str], dict[str, str]]:
        """Return the class name and the literal toggle name: what ``makemigrations`` writes."""
        return (self.__class__.__qualname__, [self.name], {})

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        """Change no model: the operation only reads and writes rows."""

    def database_forwards(
        self, app_label: str, schema_editor: BaseDatabaseSchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        """Capture the toggle with the models as they were before this migration."""
        self._run(self.capture, schema_editor, from_state, f"manage.py migrate {app_label}")

    def database_backwards(
        self, app_label: str, schema_editor: BaseDatabaseSchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        """Restore anything pruned, then forget the capture, with the models as they are with this migration."""
        # The target is the migration before this one, which only the command line names.
        self._run(self.uncapture, schema_editor, from_state, f"the same manage.py migrate {app_label} <target>")

    def describe(self) -> str:
        """Return the line ``makemigrations`` and ``migrate --plan`` show."""
        return f"Capture the stored rows and the decision of the retired toggle {self.name}"

    @property
    def migration_name_fragment(self) -> str:
        """Name a new migration after the toggle, as ``0002_capture_show_review_rules`` is."""
        return "capture_" + re.sub(r"\W+", "_", self.name.rsplit(".", 1)[-1]).strip("_").lower()

    def capture(self, apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        """Capture with the models of ``apps`` on the schema editor's database, then print the decision."""
        ctx = make_context(apps, self.name, using=schema_editor.connection.alias)
        plan = capture.capture(ctx).plan
        if plan is None:
            return  # captured already
        if ctx.strict and not plan.agrees:
            raise ActionRefused(strict_failure(plan, tutor_backend_options()))
        sys.stdout.write(migration_summary(plan, tutor_backend_options()))

    def uncapture(self, apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        """Restore whatever was pruned, then forget the capture, with the models of ``apps``."""
        restore.uncapture(make_context(apps, self.name, using=schema_editor.connection.alias))

    @staticmethod
    def _run(step: _Step, schema_editor: BaseDatabaseSchemaEditor, state: ProjectState, retry: str) -> None:
        """
        Run ``step`` with the historical models of ``state``, unless a router keeps this app off the database.

        A refusal becomes MigrationRefused, one message; one caused by another process or the server ends with
        ``retry``, the migrate command to run again.
        """
        alias = schema_editor.connection.alias
        if not router.allow_migrate(alias, APP_LABEL):
            return
        state.clear_delayed_apps_cache()
        with refused_as_migration(alias, retry):
            step(state.apps, schema_editor)


@contextmanager
def refused_as_migration(alias: str, retry: str) -> Iterator[None]:
    """
    Turn a refusal of the block into MigrationRefused, one message, as ``migrate`` shows it.

    One caused by another process or the server ends with ``retry``, the migrate command to run again.
    """
    try:
        yield
    except Transient as error:
        database = "" if alias == DEFAULT_DB_ALIAS else f" --database {alias}"
        raise MigrationRefused(str(error.with_retry(retry + database))) from error
    except MigrationRefused:
        raise
    except ActionRefused as error:
        raise MigrationRefused(str(error)) from error
