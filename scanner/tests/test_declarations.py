"""The scanner's copy of the declared names is the app's declarations (toggles_migration.retirements)."""

import importlib.util
from pathlib import Path

from toggles_migration_scan import declarations

APP_DECLARATIONS = Path(__file__).resolve().parents[2] / "toggles_migration" / "retirements.py"


def _load_app_declarations():
    # From the repository's file, not the installed app: the module needs only the standard library, while
    # importing the app's package may need Django settings.
    spec = importlib.util.spec_from_file_location("app_retirements", APP_DECLARATIONS)
    assert spec is not None and spec.loader is not None, APP_DECLARATIONS
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


retirements = _load_app_declarations()


def test_the_legacy_backends_are_the_apps():
    assert declarations.LEGACY_BACKENDS == retirements.DEFAULT_LEGACY_BACKENDS


def test_the_retired_toggles_are_the_apps_own():
    assert [
        (toggle.name, toggle.constant, toggle.option.name, toggle.option.reader)
        for toggle in declarations.RETIRED_TOGGLES
    ] == [
        (retirement.name, retirement.constant, retirement.option.name, retirement.option.reader)
        for retirement in retirements.RETIREMENTS
    ]


def test_the_options_are_the_apps_with_their_companions():
    assert [(option.name, option.reader) for option in declarations.OPTIONS] == [
        (option.name, option.reader) for option in retirements.managed_options(retirements.RETIREMENTS)
    ]
