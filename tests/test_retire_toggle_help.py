"""Each ``retire_toggle`` action's ``--help`` states its exit statuses."""
# pylint: disable=protected-access  # white-box tests of argparse lists sub-commands only through _actions

import pytest

from toggles_migration.management.commands.retire_toggle import Command

DONE_OR_REFUSED = "Exit status: 0 done, 1 refused or failed (the reason is printed), 2 usage error."
LOCKING = (
    "Exit status: 0 done, 1 refused or failed (the reason is printed; also once it waited "
    "TOGGLES_MIGRATION['LOCK_TIMEOUT'] seconds, 30 by default, for another action's lock), 2 usage error."
)
EXIT_STATUSES = {
    "settings": "Exit status: 0 done, 1 invalid settings (the reason is printed), 2 usage error.",
    "list": DONE_OR_REFUSED,
    "plan": DONE_OR_REFUSED,
    "capture": LOCKING,
    "verify": "Exit status: 0 the settings agree with the captured decision, 1 they disagree, 2 nothing is "
    "captured, the tables are not migrated, or a usage error.",
    "prune": LOCKING,
    "restore": LOCKING,
    "export": LOCKING,
    "status": DONE_OR_REFUSED,
}


def action_parsers():
    """Return ``retire_toggle``'s sub-parsers by action name."""
    parser = Command().create_parser("manage.py", "retire_toggle")
    [subparsers] = [action for action in parser._actions if action.dest == "action"]
    return subparsers.choices


def test_every_action_states_its_exit_statuses():
    assert sorted(action_parsers()) == sorted(EXIT_STATUSES)


@pytest.mark.parametrize("action", sorted(EXIT_STATUSES))
def test_help_ends_with_the_exit_statuses(action):
    help_text = action_parsers()[action].format_help()
    assert " ".join(help_text.split()).endswith(EXIT_STATUSES[action])
