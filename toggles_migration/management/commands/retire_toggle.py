"""The operator command: ``manage.py retire_toggle <action>``."""

from django.core.management.base import BaseCommand, CommandError

from ... import rendering, reports
from ...notices import SettingError
from ...settings_shim import effective_backends


class Command(BaseCommand):
    """Inspect and carry out the retirement of toggles replaced by PROCTORING_BACKENDS options."""

    help = "Inspect and carry out the retirement of toggles replaced by PROCTORING_BACKENDS options."

    def add_arguments(self, parser):
        """Declare one sub-parser per action."""
        actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
        settings_parser = actions.add_parser(
            "settings",
            help="Show each backend's effective managed options and where each value came from.",
        )
        settings_parser.add_argument("--format", choices=rendering.FORMATS, default="text")

    def handle(self, *args, **options):
        """Dispatch to ``handle_<action>``."""
        handler = getattr(self, f"handle_{options['action']}")
        return handler(options)

    def handle_settings(self, options):
        """Print the effective managed options; exit 1 when the settings cannot be read."""
        try:
            result = effective_backends()
        except SettingError as error:
            raise CommandError(str(error)) from error
        report = reports.settings_report(result)
        self.stdout.write(rendering.render(report, options["format"], rendering.settings_text))
