"""The operator command: ``manage.py retire_toggle <action>``."""

from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections

from ...checks.advice import captured_decisions
from ...checks.backend_loading import backend_states, configured_backends
from ...checks.notices import SettingError
from ...retirements import declared
from ...settings.authority import effective_backends
from ...settings.config import tutor_backend_options
from ...settings.shim import BACKENDS_SETTING
from ...state import capture, prune, restore
from ...state.context import ActionRefused, ChangeReport, Context, SettingsDisagree, make_context
from ...state.export import exported_pages
from ...state.readiness import NotMigrated, require_tables
from .. import plan_text, rendering, reports

_BOOLEANS = {"true": True, "false": False}
# The tables each action reads: (our capture tables, the flags' stored state and courses).
_NEEDS = {
    "list": (True, False),
    "plan": (False, True),
    "capture": (True, True),
    "verify": (True, False),
    "prune": (True, True),
    "restore": (True, True),
    "export": (True, False),
    "status": (True, False),
}
# verify exits 2 when nothing is captured; a database not migrated yet has nothing captured either.
VERIFY_NOT_CAPTURED = 2


class Command(BaseCommand):
    """Inspect and carry out the retirement of toggles replaced by PROCTORING_BACKENDS options."""

    help = "Inspect and carry out the retirement of toggles replaced by PROCTORING_BACKENDS options."
    # The settings notices are these checks' own subject: `settings` prints them, the other actions point there.
    requires_system_checks = []

    def add_arguments(self, parser: CommandParser) -> None:
        """Declare one sub-parser per action."""
        sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
        toggles = [retirement.name for retirement in declared()]
        described = {
            "settings": "Show each backend's effective managed options and where each value came from.",
            "list": "List every declared retirement and its state (not captured, captured, pruned).",
            "plan": "Dry run on live data: what the retired flag's stored state maps to. Writes nothing.",
            "capture": "Capture the stored rows and the decision now, as migration 0002 does; --refresh recaptures.",
            "verify": "Exit 0 if the settings agree with the captured decision, 1 if not, 2 if nothing is captured.",
            "prune": "Delete the flag's stored rows (captured first, restorable), then clear waffle's cache.",
            "restore": "Recreate exactly the captured rows that are missing, then clear waffle's cache.",
            "export": "Print the captured snapshot as JSON.",
            "status": "Show the capture state, the verify result and the remaining reads counted across processes.",
        }
        # Every action exits 2 on a usage error (argparse); verify's own codes are what scripts test.
        exit_statuses = dict.fromkeys(
            described, "Exit status: 0 done, 1 refused or failed (the reason is printed), 2 usage error."
        )
        exit_statuses["settings"] = "Exit status: 0 done, 1 invalid settings (the reason is printed), 2 usage error."
        for locking in ("capture", "prune", "restore", "export"):
            exit_statuses[locking] = (
                "Exit status: 0 done, 1 refused or failed (the reason is printed; also once it waited "
                "TOGGLES_MIGRATION['LOCK_TIMEOUT'] seconds, 30 by default, for another action's lock), 2 usage error."
            )
        exit_statuses["verify"] = (
            "Exit status: 0 the settings agree with the captured decision, 1 they disagree, 2 nothing is captured, "
            "the tables are not migrated, or a usage error."
        )
        for action, text in described.items():
            action_parser = sub.add_parser(action, help=text, description=text, epilog=exit_statuses[action])
            # The snapshot is data to keep, not to read: export writes JSON only, and refuses another format.
            formats = ("json",) if action == "export" else rendering.FORMATS
            action_parser.add_argument(
                "--format", choices=formats, default=formats[-1] if action == "export" else "text"
            )
            if action == "settings":
                continue
            action_parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Database alias.")
            if action != "list":
                action_parser.add_argument("toggle", nargs="?", default=toggles[0], choices=toggles)
            if action == "plan":
                action_parser.add_argument(
                    "--value", choices=sorted(_BOOLEANS), help="Decide this value instead of the computed one."
                )
            if action in ("prune", "restore"):
                action_parser.add_argument("--dry-run", action="store_true", help="Report only; change nothing.")
            if action == "prune":
                action_parser.add_argument(
                    "--force",
                    action="store_true",
                    help="Prune even while PROCTORING_BACKENDS disagrees with the captured decision (it refuses "
                    "then, exit 1, printing the snippet).",
                )
            if action in ("prune", "capture"):
                action_parser.add_argument(
                    "--refresh", action="store_true", help="Capture the current rows (and decision) again first."
                )

    def handle(self, *args: Any, **options: Any) -> None:
        """Dispatch to ``handle_<action>``; refused actions and bad settings exit non-zero with the reason."""
        action = options["action"]
        try:
            if action in _NEEDS:
                captures, stored_state = _NEEDS[action]
                exit_code = VERIFY_NOT_CAPTURED if action == "verify" else 1
                require_tables(
                    apps, self._database(options), captures=captures, stored_state=stored_state, exit_code=exit_code
                )
            if action != "settings":
                self._point_at_notices()
            getattr(self, f"handle_{action}")(options)
        except (SettingError, ActionRefused) as error:
            raise CommandError(str(error)) from error
        except NotMigrated as error:
            raise CommandError(str(error), returncode=error.exit_code) from error

    def _point_at_notices(self) -> None:
        """One line on stderr when the settings have notices, instead of repeating Django's check output."""
        result = effective_backends()
        if result is not None and result.notices:
            self.stderr.write(rendering.notices_pointer(result.notices))

    def _context(self, options: dict[str, Any], decision_override: bool | None = None) -> Context:
        return make_context(apps, options["toggle"], self._database(options), decision_override)

    @staticmethod
    def _database(options: dict[str, Any]) -> str:
        alias: str = options["database"]
        if alias not in connections:
            raise CommandError(
                f"--database {alias!r} is not an alias in DATABASES; use one of: {', '.join(sorted(connections))}."
            )
        return alias

    def _write(self, report: rendering.Report, options: dict[str, Any]) -> None:
        self.stdout.write(rendering.render(report, options["format"], tutor_backend_options()))

    def handle_settings(self, options: dict[str, Any]) -> None:
        """Print the effective managed options."""
        result = effective_backends()
        loading = None if result is None else backend_states(apps, configured_backends(result.value)[1], result.value)
        self._write(reports.settings_report(result, captured_decisions(), loading), options)

    def handle_list(self, options: dict[str, Any]) -> None:
        """Print each declared retirement's state."""
        self._write(capture.list_retirements(apps, self._database(options)), options)

    def handle_plan(self, options: dict[str, Any]) -> None:
        """Print the plan computed from live data."""
        value = _BOOLEANS[options["value"]] if options["value"] else None
        plan = capture.plan(self._context(options, value))
        loading = backend_states(apps, plan.backends, getattr(settings, BACKENDS_SETTING, None))
        self._write(reports.PlanReport(plan, loading), options)

    def handle_capture(self, options: dict[str, Any]) -> None:
        """Capture (or recapture) and print what migration 0002 prints."""
        self._write(capture.capture(self._context(options), refresh=options["refresh"]), options)

    def handle_verify(self, options: dict[str, Any]) -> None:
        """Print the comparison and exit with its code."""
        report = capture.verify(self._context(options))
        self._write(report, options)
        if report.exit_code:
            raise CommandError(rendering.verify_failure(report), returncode=report.exit_code)

    def handle_prune(self, options: dict[str, Any]) -> None:
        """Prune (or report what would be pruned); a cache left uncleared after the commit is a warning."""
        try:
            report = prune.prune(
                self._context(options), dry_run=options["dry_run"], refresh=options["refresh"], force=options["force"]
            )
        except SettingsDisagree as error:
            refusal = plan_text.refusal(str(error), error.snippet, tutor_backend_options())
            raise CommandError(refusal) from error
        self._write_change(report, options)

    def handle_restore(self, options: dict[str, Any]) -> None:
        """Restore (or report what would be restored); a cache left uncleared after the commit is a warning."""
        self._write_change(restore.restore(self._context(options), dry_run=options["dry_run"]), options)

    def _write_change(self, report: ChangeReport, options: dict[str, Any]) -> None:
        # The change is committed whatever the cache did: report it, warn, and exit 0.
        self._write(report, options)
        for line in rendering.change_warnings(report):
            self.stderr.write(line)

    def handle_export(self, options: dict[str, Any]) -> None:
        """Print the captured snapshot as JSON (the only format export accepts), as it is read (bounded memory)."""
        with exported_pages(self._context(options)) as (head, pages):
            for text in rendering.export_json(head, pages):
                self.stdout.write(text, ending="")
        self.stdout.write("")

    def handle_status(self, options: dict[str, Any]) -> None:
        """Print the capture state, verify's result and the shared read counts."""
        self._write(reports.status(self._context(options)), options)
