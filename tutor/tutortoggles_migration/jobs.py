"""The ``retire-toggle`` do-command: ``./manage.py cms retire_toggle ACTION ARGS`` in the CMS container."""

from __future__ import annotations

import shlex
import typing as t

import click

SERVICE = "cms"
ACTIONS = ("settings", "plan", "verify", "prune", "restore", "export", "status", "list", "capture")


def retire_toggle_command(action: str, args: t.Sequence[str]) -> str:
    """
    Return the shell command, safe to hand to Tutor's job runner, that runs ``retire_toggle`` with the arguments.

    Each argument is shell-quoted, and every ``{`` is written as a Jinja expression: Tutor renders a job's command
    as a template before the container's ``sh -c`` runs it, so an argument can inject neither shell nor template code.
    """
    quoted = shlex.join(["./manage.py", SERVICE, "retire_toggle", action, *args])
    return quoted.replace("{", "{{ '{' }}")


@click.command(
    name="retire-toggle",
    context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False},
)
@click.argument("action", type=click.Choice(ACTIONS), metavar="ACTION")
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def retire_toggle(action: str, args: tuple[str, ...]) -> t.Iterator[tuple[str, str]]:
    """
    Run `./manage.py cms retire_toggle ACTION [ARGS]...` in the CMS container.

    ACTION is one of: settings, plan, verify, prune, restore, export, status, list, capture. ARGS are passed on
    unchanged, e.g. `retire-toggle plan --format json` or `retire-toggle prune --dry-run`;
    `tutor local run cms ./manage.py cms retire_toggle ACTION --help` lists them.
    """
    yield SERVICE, retire_toggle_command(action, args)
