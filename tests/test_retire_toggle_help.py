"""Each ``retire_toggle`` action's ``--help`` ends with its exit statuses, and a usage error exits as they say."""
# pylint: disable=protected-access  # white-box tests of argparse lists sub-commands only through _actions

import re

import pytest

from toggles_migration.management.commands.retire_toggle import Command

# "Exit status: 0 <done>, 1 <why>, 2 <why>." with the usage error last: what an operator's script branches on.
EXIT_STATUSES = re.compile(r"Exit status: 0 [^,]+, 1 [^,]+(?:, [^,]+)*, 2 (?:[^.]+ )?usage error\.$")


def action_parsers():
    """Return ``retire_toggle``'s sub-parsers by action name."""
    parser = Command().create_parser("manage.py", "retire_toggle")
    [subparsers] = [action for action in parser._actions if action.dest == "action"]
    return subparsers.choices


@pytest.mark.parametrize("action", sorted(action_parsers()))
def test_help_ends_with_the_exit_statuses(action):
    help_text = " ".join(action_parsers()[action].format_help().split())
    assert EXIT_STATUSES.search(help_text), help_text


@pytest.mark.parametrize("action", sorted(action_parsers()))
def test_a_usage_error_exits_2_as_the_help_says(action, capsys):
    with pytest.raises(SystemExit) as exited:
        Command().run_from_argv(["manage.py", "retire_toggle", action, "--no-such-option"])
    assert exited.value.code == 2
    assert capsys.readouterr().err.endswith("error: unrecognized arguments: --no-such-option\n")
