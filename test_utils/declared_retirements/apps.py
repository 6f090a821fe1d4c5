"""Registers the retirements of ``declaration.py`` when the apps are ready; listed before toggles_migration."""

from django.apps import AppConfig


class DeclaredRetirementsConfig(AppConfig):
    """The way a fork or a test adds a retirement: its app registers the declaration in ``ready()``."""

    name = "test_utils.declared_retirements"
    label = "declared_retirements"

    def ready(self) -> None:
        """Declare this app's retirements to every reader of the declarations."""
        from toggles_migration import retirements  # pylint: disable=import-outside-toplevel

        from .declaration import DECLARED  # pylint: disable=import-outside-toplevel

        for retirement in DECLARED:
            retirements.register(retirement)
