"""The test-only app that declares the made-up retirement, as a fork's app would declare its own."""

from django.apps import AppConfig


class MadeUpRetirementConfig(AppConfig):
    """Registers the made-up retirement when the apps are ready; listed before toggles_migration."""

    name = "test_utils.made_up_retirement"
    label = "made_up_retirement"

    def ready(self) -> None:
        """Declare the made-up retirement to every reader of the declarations."""
        from toggles_migration import retirements  # pylint: disable=import-outside-toplevel

        from .declaration import MADE_UP_RETIREMENT  # pylint: disable=import-outside-toplevel

        retirements.register(MADE_UP_RETIREMENT)
