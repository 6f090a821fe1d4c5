"""
Sphinx extension: reference pages generated from the code at build time, never copied by hand.

Directives:

``.. toggles-migration-checks::``
    Every system check ID of ``toggles_migration.checks.notices.CHECK_TITLES``: a summary table, then for each ID an
    example setting and the message and hint that ``manage.py check`` prints for it, produced by running the
    package's real checks on that example. An ID without an example fails the build.

``.. retire-toggle-command::``
    Every action and option of ``manage.py retire_toggle``, read from the command's argparse parser.

The extension configures a throw-away Django (in-memory SQLite) the first time a directive needs it.
"""

import contextlib
import io
import os
import pprint
import tempfile
import textwrap

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.errors import ExtensionError
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles

# The apps of the throw-away Django the examples run in.
_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "waffle",
    "toggles_migration.apps.TogglesMigrationConfig",
]
# An example configuration per check ID; the message and hint shown are whatever the package's checks say.
_PROCTORTRACK = {"base_url": "https://proctortrack.example.com", "client_id": "...", "client_secret": "..."}


def check_examples():
    """
    Return {check ID: example settings}, built from the declarations when called.

    Every managed option is set explicitly on the legacy backend, at its legacy value, except where an example
    shows one option's problem: the first declared retirement's option (and the first companion's).
    """
    from toggles_migration.retirements import declared, managed_options

    explicit = {option.name: option.legacy_value for option in managed_options()}
    first = declared()[0].option
    companion = (declared()[0].companions[0].option if declared()[0].companions else first).name
    legacy = {**_PROCTORTRACK, **explicit}
    return {
        "toggles_migration.E001": {"PROCTORING_BACKENDS": {"DEFAULT": "proctortrack", "proctortrack": "https://..."}},
        "toggles_migration.E002": {"PROCTORING_BACKENDS": {"proctortrack": legacy}},
        "toggles_migration.E003": {
            "PROCTORING_BACKENDS": {"DEFAULT": {"base_url": "https://..."}, "proctortrack": legacy}
        },
        "toggles_migration.E004": {"PROCTORING_BACKENDS": {"DEFAULT": "proctortrak", "proctortrack": legacy}},
        "toggles_migration.E005": {"TOGGLES_MIGRATION": {"READS": "loud"}},
        "toggles_migration.E006": {
            "INSTALLED_APPS": [
                "django.contrib.auth",
                "django.contrib.contenttypes",
                "toggles_migration.apps.TogglesMigrationConfig",
            ]
        },
        "toggles_migration.W001": {
            "PROCTORING_BACKENDS": {
                "DEFAULT": "proctortrack",
                "proctortrack": {
                    **{key: value for key, value in legacy.items() if key != first.name},
                    first.legacy_spelling: first.legacy_value,
                },
            }
        },
        "toggles_migration.W002": {
            "PROCTORING_BACKENDS": {
                "DEFAULT": "proctortrack",
                "proctortrack": {**legacy, first.name: str(first.legacy_value).lower()},
            }
        },
        "toggles_migration.W003": {
            "PROCTORING_BACKENDS": {"DEFAULT": "proctortrack", "proctortrack": {**legacy, _camel(first.name): True}}
        },
        # Only the companion's option unset: the legacy rule gives it.
        "toggles_migration.W004": {
            "PROCTORING_BACKENDS": {
                "DEFAULT": "proctortrack",
                "proctortrack": {key: value for key, value in legacy.items() if key != companion},
            }
        },
        "toggles_migration.E007": {"PROCTORING_BACKENDS": {"DEFAULT": "proctortrack", "proctortrack": legacy}},
        # Run with edx-proctoring installed (PROCTORING_APPS), and no package providing the backend's entry point.
        "toggles_migration.W006": {"PROCTORING_BACKENDS": {"DEFAULT": "proctortrack", "proctortrack": legacy}},
        # A database check: the example is the setting after migration 0002 captured an empty flag state (decision
        # = the legacy value, as the flag was never set), with the first retirement's option set the other way.
        "toggles_migration.W005": {
            "PROCTORING_BACKENDS": {
                "DEFAULT": "proctortrack",
                "proctortrack": {**legacy, first.name: not first.legacy_value},
            }
        },
    }


def _camel(name):
    """``show_review_rules`` -> ``showReviewRules``: a misspelling W003 recognises."""
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


DATABASE_CHECKS = {"toggles_migration.W005"}
# Checks whose example runs as in the LMS and CMS: edx-proctoring (and edx-when, which it needs) installed.
PROCTORING_CHECKS = {"toggles_migration.W006"}
PROCTORING_APPS = ["edx_when", "edx_proctoring"]


# Code run after the settings are final (after AppConfig.ready()), for the checks about late changes.
def late_changes():
    """Return {check ID: code run after the settings are final}, for the first declared retirement's option."""
    from toggles_migration.retirements import declared

    first = declared()[0].option
    # The option set to the other boolean: what upstream reads changes, and nothing else would say so.
    flipped = not first.legacy_value
    return {"toggles_migration.E007": f'settings.PROCTORING_BACKENDS["proctortrack"]["{first.name}"] = {flipped}'}


# Help for the arguments that the command declares without one.
ARGUMENT_HELP = {
    "format": "Output: ``text`` for people, ``json`` (indented, sorted keys) for scripts.",
    "toggle": "The retired toggle; the first declared one is the default.",
}

# What the parser cannot tell about an action.
ACTION_NOTES = {
    "export": "It prints JSON only: ``--format json`` is the default and the one format it accepts.",
    "status": "It exits 0 whatever the comparison says; use ``verify`` where the exit status matters.",
}

_django = {}


def setup_django():
    """Configure a minimal Django once: the package, django-waffle, and an in-memory SQLite database."""
    if _django:
        return
    import django
    from django.conf import settings

    if not settings.configured:
        settings.configure(
            DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
            INSTALLED_APPS=_APPS,
            DEFAULT_AUTO_FIELD="django.db.models.AutoField",
            CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
            USE_TZ=True,
            PROCTORING_BACKENDS={"DEFAULT": "null", "null": {}},
            # What edx-platform and edx-proctoring's settings hook give edx-proctoring, for W006's example.
            ENV_ROOT=tempfile.gettempdir(),
            PROCTORING_SETTINGS={},
            SITE_NAME="localhost",
            PLATFORM_NAME="Open edX",
            SECRET_KEY="a throw-away key: this Django only renders the documentation's examples",
        )
    django.setup()
    _django["ready"] = True


def _check_messages(check_id, example):
    """Run the package's checks on ``example`` (a dict of settings); return the messages with ``check_id``."""
    from django.core.management import call_command
    from django.test.utils import override_settings

    from toggles_migration.checks import system as checks

    if check_id in PROCTORING_CHECKS:
        example = {**example, "INSTALLED_APPS": [*_APPS, *PROCTORING_APPS]}
    with override_settings(**example):
        late = late_changes()
        if check_id in late:
            from django.conf import settings

            exec(late[check_id], {"settings": settings})  # noqa: S102  a literal of this module
        if check_id in DATABASE_CHECKS:
            with contextlib.redirect_stdout(io.StringIO()):
                call_command("migrate", verbosity=0, interactive=False)
            found = checks.check_captured_decisions(databases=["default"])
        else:
            found = checks.check_waffle_installed() + checks.check_settings() + checks.check_backends_loaded()
    return [message for message in found if message.id == check_id]


def _assignment(name, value):
    """Return ``NAME = value`` as Python, continuation lines aligned under the value."""
    prefix = f"{name} = "
    first, *rest = pprint.pformat(value, width=78 - len(prefix), sort_dicts=False).splitlines()
    return "\n".join([prefix + first, *(" " * len(prefix) + line for line in rest)])


def _raised_ids():
    """Return the check IDs of the setting errors that the settings shim raises at startup."""
    from toggles_migration.checks.notices import SettingError

    pending, found = list(SettingError.__subclasses__()), set()
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.check_id:
            found.add(cls.check_id)
    return found


def _wrapped(output, width=78):
    """Wrap the lines of ``manage.py check`` output for the page, continuation lines indented."""
    lines = []
    for line in output.replace("\t", "    ").splitlines():
        indent = " " * (len(line) - len(line.lstrip()) + 4)
        lines += textwrap.wrap(line, width, subsequent_indent=indent, break_long_words=False, break_on_hyphens=False)
    return "\n".join(lines)


def _literal(text, indent="   "):
    return [indent + line if line else "" for line in text.splitlines()]


def checks_rst():
    """Return the reStructuredText of the system checks reference."""
    from toggles_migration.checks.notices import CHECK_TITLES
    from toggles_migration.retirements import declared

    examples, late, first = check_examples(), late_changes(), declared()[0].option
    missing = sorted(set(CHECK_TITLES) - set(examples))
    if missing:
        raise ExtensionError(f"docs/_ext/toggles_docs.py: add an example for the check IDs {', '.join(missing)}")
    setup_django()
    lines = [
        ".. list-table::",
        "   :header-rows: 1",
        "   :widths: 25 10 65",
        "",
        "   * - ID",
        "     - Level",
        "     - Reported when",
    ]
    for check_id, title in sorted(CHECK_TITLES.items()):
        level = "Error" if check_id.split(".")[-1].startswith("E") else "Warning"
        lines += [f"   * - :ref:`{check_id} <check-{check_id}>`", f"     - {level}", f"     - {title}"]
    lines.append("")
    raised = _raised_ids()
    for check_id, title in sorted(CHECK_TITLES.items()):
        example = examples[check_id]
        messages = _check_messages(check_id, example)
        if not messages:
            raise ExtensionError(f"docs/_ext/toggles_docs.py: the example for {check_id} does not produce it")
        message = messages[0]
        level = type(message).__name__
        command = "./manage.py cms check --database default" if check_id in DATABASE_CHECKS else "./manage.py cms check"
        lines += [
            f".. _check-{check_id}:",
            "",
            check_id,
            "-" * len(check_id),
            "",
            f"**{level}**: {title}."
            + (" A database check: it runs only with ``--database``." if check_id in DATABASE_CHECKS else "")
            + (
                " The settings shim also raises it as ``ImproperlyConfigured`` when the LMS and CMS start (once "
                "Django is ready), with the same message and fix, so the services do not start until it is fixed."
                if check_id in raised
                else ""
            ),
            "",
            (
                "For example, after migration 0002 captured a flag that was never set (so the captured decision is "
                f"``{first.name} = {first.legacy_value}``), with these settings:"
                if check_id in DATABASE_CHECKS
                else "For example, in the LMS or CMS (edx-proctoring installed) with no package installed that "
                "provides the ``openedx.proctoring`` entry point ``proctortrack``, with these settings:"
                if check_id in PROCTORING_CHECKS
                else "For example, with these settings:"
            ),
            "",
            ".. code-block:: python",
            "",
            *_literal("\n".join(_assignment(name, value) for name, value in example.items())),
            "",
            *(
                [
                    "and, at run time, after the app is ready (in a plugin's code, say):",
                    "",
                    ".. code-block:: python",
                    "",
                    *_literal(late[check_id]),
                    "",
                ]
                if check_id in late
                else []
            ),
            f"``{command}`` reports:",
            "",
            ".. code-block:: text",
            "",
            *_literal(_wrapped(str(message))),
            "",
        ]
    return "\n".join(lines)


def _choices(action):
    if action.choices:
        return ", ".join(f"``{choice}``" for choice in action.choices)
    if action.nargs == 0:
        return "flag"
    return f"``{(action.metavar or action.dest).upper()}``"


def _usage(parser):
    previous = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "100"
    try:
        return parser.format_usage().strip()
    finally:
        if previous is None:
            os.environ.pop("COLUMNS")
        else:
            os.environ["COLUMNS"] = previous


def command_parser():
    """Return the argparse parser of ``manage.py retire_toggle`` and its {action: sub-parser}."""
    import argparse

    setup_django()
    from toggles_migration.management.commands.retire_toggle import Command

    parser = Command().create_parser("manage.py", "retire_toggle")
    actions = next(action for action in parser._actions if isinstance(action, argparse._SubParsersAction))
    return parser, actions.choices, actions


def command_rst():
    """Return the reStructuredText of the ``retire_toggle`` reference."""
    parser, actions, subparsers_action = command_parser()
    common = [
        action
        for action in parser._actions
        if action.option_strings and action is not subparsers_action and "-h" not in action.option_strings
    ]
    helps = {choice.dest: choice.help for choice in subparsers_action._choices_actions}
    lines = [
        "Run it in the CMS or the LMS (both see the same database): ``./manage.py cms retire_toggle ACTION``; "
        "with Tutor, ``tutor local run cms ./manage.py cms retire_toggle ACTION``.",
        "",
        ".. code-block:: text",
        "",
        *_literal(_usage(parser)),
        "",
        "Django's common options apply to every action: "
        + ", ".join(f"``{'/'.join(action.option_strings)}``" for action in common)
        + ". A refused action (for example pruning rows that changed since the capture) exits with status 1 "
        "and says why and what to do.",
        "",
    ]
    for name, subparser in actions.items():
        title = f"retire_toggle {name}"
        lines += [
            f".. _retire-toggle-{name}:",
            "",
            title,
            "-" * len(title),
            "",
            helps.get(name) or subparser.description,
            "",
            *([ACTION_NOTES[name], ""] if name in ACTION_NOTES else []),
            ".. code-block:: text",
            "",
            *_literal(_usage(subparser)),
            "",
        ]
        arguments = [action for action in subparser._actions if "-h" not in action.option_strings]
        if not arguments:
            continue
        lines += [
            ".. list-table::",
            "   :header-rows: 1",
            "   :widths: 20 30 15 35",
            "",
            "   * - Argument",
            "     - Values",
            "     - Default",
            "     - Meaning",
        ]
        for action in arguments:
            meaning = action.help or ARGUMENT_HELP.get(action.dest)
            if not meaning:
                raise ExtensionError(
                    f"docs/_ext/toggles_docs.py: retire_toggle {name} {action.dest} has no help; "
                    "add it to ARGUMENT_HELP"
                )
            if action.option_strings:
                argument = f"``{', '.join(action.option_strings)}``"
            else:
                argument = f"``{action.dest.upper()}`` (positional{', optional' if action.nargs == '?' else ''})"
            default = "" if action.default in (None, False) else f"``{action.default}``"
            lines += [f"   * - {argument}", f"     - {_choices(action)}", f"     - {default}", f"     - {meaning}"]
        lines.append("")
    return "\n".join(lines)


class _GeneratedRst(SphinxDirective):
    """Parse reStructuredText generated by ``self.generate()``, sections included."""

    has_content = False

    def generate(self):  # pragma: no cover
        raise NotImplementedError

    def run(self):
        """Generate, then parse the result in place of the directive."""
        container = nodes.container()
        text = self.generate()
        nested_parse_with_titles(self.state, StringList(text.splitlines(), source="<generated>"), container)
        return container.children


class ChecksDirective(_GeneratedRst):
    """The ``.. toggles-migration-checks::`` directive."""

    def generate(self):
        """Return the system checks reference."""
        return checks_rst()


class CommandDirective(_GeneratedRst):
    """The ``.. retire-toggle-command::`` directive."""

    def generate(self):
        """Return the command reference."""
        return command_rst()


def setup(app):
    """Register the directives."""
    app.add_directive("toggles-migration-checks", ChecksDirective)
    app.add_directive("retire-toggle-command", CommandDirective)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
