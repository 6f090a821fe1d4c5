"""The Tutor v1 plugin ``toggles-migration``: its configuration, patches, validation and do-command."""

from __future__ import annotations

import json
import os
import typing as t
from importlib import resources

import click
from tutor import config as tutor_config
from tutor import hooks, serialize
from tutor.commands.context import Context

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


@hooks.Filters.CONFIG_USER.add()
def _refuse_templates(items: list[tuple[str, t.Any]]) -> list[tuple[str, t.Any]]:
    # Tutor renders every configuration value as a Jinja template as soon as it loads it (and a --set value at
    # once), and `config save` writes the rendered value back to config.yml: what the operator wrote is checked
    # here, as the user configuration is read, before anything is rendered or saved.
    validation.check_no_templates(_values_as_written())
    return items


def _values_as_written() -> list[tuple[str, t.Any]]:
    """Return the plugin's keys as the running command gets them, unrendered, from every source that supplies one."""
    command = click.get_current_context(silent=True)
    if command is None:
        return []
    # `tutor config save --set/--unset/--append`: the saved value of a key set or unset here is not used.
    given = [*command.params.get("set_vars", ()), *command.params.get("append_vars", ())]
    replaced = {key for key, _value in given} | set(command.params.get("unset_vars", ()))
    project = command.find_object(Context)
    path = tutor_config.config_path(project.root) if project else ""
    saved = tutor_config.get_yaml_file(path) if os.path.exists(path) else {}
    environment = {key: os.environ[f"TUTOR_{key}"] for key in validation.KEYS if f"TUTOR_{key}" in os.environ}
    return [
        *((key, saved[key]) for key in validation.KEYS if key in saved and key not in replaced),
        *((key, serialize.parse(value)) for key, value in environment.items()),
        *((key, value) for key, value in given if key in validation.KEYS),
    ]


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
