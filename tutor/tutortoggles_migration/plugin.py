"""The Tutor v1 plugin ``toggles-migration``: its configuration, patches, validation and do-command."""

from __future__ import annotations

import json
import typing as t
from importlib import resources

from tutor import hooks

from . import validation
from .__about__ import __version__
from .jobs import retire_toggle

hooks.Filters.CONFIG_DEFAULTS.add_items(
    [
        # The openedx-toggles-migration release that `tutor images build openedx` installs: the plugin's own.
        (validation.VERSION, __version__),
        # {backend: {option: boolean}}, merged into PROCTORING_BACKENDS in the LMS and the CMS.
        (validation.BACKEND_OPTIONS, {}),
        # Keys of the TOGGLES_MIGRATION setting (LEGACY_BACKENDS, READS, STRICT...), passed through as they are.
        (validation.SETTINGS, {}),
    ]
)


@hooks.Actions.CONFIG_LOADED.add()
def _refuse_bad_values(config: dict[str, t.Any]) -> None:
    # Tutor loads the full configuration right after `config save` writes config.yml and before it renders
    # anything, and again before every other command: a bad value stops both.
    validation.check_config(config)


def python_literal(value: t.Any) -> str:
    """Render a validated configuration value as a Python literal for a settings patch."""
    return repr(value)


def json_value(value: t.Any) -> str:
    """Render a configuration value as JSON, which YAML reads too, for the LMS and CMS YAML configuration."""
    return json.dumps(value, sort_keys=True)


hooks.Filters.ENV_TEMPLATE_FILTERS.add_items(
    [
        ("toggles_migration_python", python_literal),
        ("toggles_migration_json", json_value),
    ]
)

# Each file in patches/ is the patch of the same name.
for _patch in resources.files("tutortoggles_migration").joinpath("patches").iterdir():
    hooks.Filters.ENV_PATCHES.add_item((_patch.name, _patch.read_text(encoding="utf-8")))

# `tutor local|dev|k8s do retire-toggle ACTION [ARGS]...`
hooks.Filters.CLI_DO_COMMANDS.add_item(retire_toggle)
