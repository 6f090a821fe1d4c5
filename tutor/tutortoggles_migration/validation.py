"""Refuse a bad TOGGLES_MIGRATION_* value when the Tutor configuration is loaded, naming the key and the fix."""

from __future__ import annotations

import json
import re
import shlex
import typing as t

from tutor import exceptions

BACKEND_OPTIONS = "TOGGLES_MIGRATION_BACKEND_OPTIONS"
SETTINGS = "TOGGLES_MIGRATION_SETTINGS"
VERSION = "TOGGLES_MIGRATION_VERSION"
KEYS = (BACKEND_OPTIONS, SETTINGS, VERSION)
# What starts a Jinja expression, statement or comment: Tutor renders each string of a configuration value.
TEMPLATE_MARKS = ("{{", "{%", "{#")

# The per-backend options that openedx-toggles-migration manages (toggles_migration.retirements.MANAGED_OPTIONS),
# and the keys of its TOGGLES_MIGRATION setting (toggles_migration.conf.DEFAULTS). Declared again here because
# the plugin runs where Tutor runs, without Django or the package; tutor/tests checks that they agree.
MANAGED_OPTIONS = ("requires_escalation_email", "show_review_rules")
SETTINGS_KEYS = ("DECISIONS", "LEGACY_BACKENDS", "LOCK_TIMEOUT", "READS", "READS_CACHE", "READS_LOG_INTERVAL", "STRICT")

_EXAMPLE = {"proctortrack": {"requires_escalation_email": True, "show_review_rules": False}}
_EXAMPLES = {
    BACKEND_OPTIONS: _EXAMPLE,
    SETTINGS: {"LEGACY_BACKENDS": ["proctortrack"], "STRICT": True},
    VERSION: "1.2.3",
}
_VERSION_PATTERN = re.compile(r"[0-9][0-9A-Za-z.+!-]*")


def check_config(config: dict[str, t.Any]) -> None:
    """Raise TutorError for the first TOGGLES_MIGRATION_* value that the plugin cannot render as it is meant."""
    check_backend_options(config.get(BACKEND_OPTIONS, {}))
    check_settings(config.get(SETTINGS, {}))
    check_version(config.get(VERSION))


def check_no_templates(values: t.Iterable[tuple[str, t.Any]]) -> None:
    """Refuse a TOGGLES_MIGRATION_* value that holds Jinja syntax in a string, as given, before Tutor renders it."""
    for key, value in values:
        for where, text in _strings(key, value):
            if any(mark in text for mark in TEMPLATE_MARKS):
                _refuse(
                    f"{where} is a {_type(text)} that contains {', '.join(TEMPLATE_MARKS[:-1])} or "
                    f"{TEMPLATE_MARKS[-1]}, which Tutor would render as a template; the plugin's values are data, "
                    "never templates",
                    f"write the value itself, without template syntax, e.g. {set_line(key, _EXAMPLES[key])}, "
                    f"or remove it: tutor config save --unset {key}",
                )


def _strings(where: str, value: t.Any) -> t.Iterator[tuple[str, str]]:
    # The strings that Tutor renders (tutor.env.render_unknown): strings, and those in dict values and list items.
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(f"{where}[{key!r}]", item)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(f"{where}[{index}]", item)


def check_backend_options(value: t.Any) -> None:
    """Refuse anything but ``{backend: {managed option: boolean}}``."""
    if not isinstance(value, dict):
        _refuse(
            f"{BACKEND_OPTIONS} must be a mapping of backend names to options, found {_type(value)}",
            f"write it as YAML or JSON, e.g. {set_line(BACKEND_OPTIONS, _EXAMPLE)}",
        )
    for backend, options in value.items():
        if not isinstance(backend, str):
            _refuse(
                f"{BACKEND_OPTIONS} has a backend name of type {_type(backend)}; backend names are strings",
                'quote the name (YAML reads an unquoted null, true or 1 as something else), e.g. {"null": {...}}',
            )
        if backend == "DEFAULT":
            _refuse(
                f"{BACKEND_OPTIONS}['DEFAULT'] is not a backend: PROCTORING_BACKENDS['DEFAULT'] only names one",
                "put the options under the name of the backend that DEFAULT names",
            )
        if not isinstance(options, dict):
            _refuse(
                f"{BACKEND_OPTIONS}[{backend!r}] must be a mapping of options, found {_type(options)}",
                f"write e.g. {set_line(BACKEND_OPTIONS, {backend: _EXAMPLE['proctortrack']})}",
            )
        for option, option_value in options.items():
            if option not in MANAGED_OPTIONS:
                _refuse(
                    f"{BACKEND_OPTIONS}[{backend!r}] has the option {option!r}, which the plugin does not manage",
                    f"use only {' and '.join(MANAGED_OPTIONS)}; set other backend options where PROCTORING_BACKENDS "
                    "is set",
                )
            if not isinstance(option_value, bool):
                _refuse(
                    f"{BACKEND_OPTIONS}[{backend!r}][{option!r}] must be a boolean, found {_type(option_value)}",
                    f"write true or false without quotes, e.g. {set_line(BACKEND_OPTIONS, {backend: {option: False}})}",
                )


def check_settings(value: t.Any) -> None:
    """Refuse a TOGGLES_MIGRATION_SETTINGS that is not a mapping of known TOGGLES_MIGRATION keys."""
    if not isinstance(value, dict):
        _refuse(
            f"{SETTINGS} must be a mapping of TOGGLES_MIGRATION keys to values, found {_type(value)}",
            f"write e.g. {set_line(SETTINGS, _EXAMPLES[SETTINGS])}",
        )
    for key in value:
        if key not in SETTINGS_KEYS:
            _refuse(
                f"{SETTINGS} has the key {key!r}, which TOGGLES_MIGRATION does not have",
                f"use only {', '.join(SETTINGS_KEYS)}",
            )


def check_version(value: t.Any) -> None:
    """Refuse a package version that is not a plain version string."""
    if not isinstance(value, str) or not _VERSION_PATTERN.fullmatch(value):
        _refuse(
            f"{VERSION} must be a version of openedx-toggles-migration such as 1.2.3, found "
            + ("a str that is not one" if isinstance(value, str) else _type(value)),
            'quote it (e.g. "1.2.3"), or remove it to use the plugin\'s own version: '
            f"tutor config save --unset {VERSION}",
        )


def set_line(key: str, value: t.Any) -> str:
    """Return the ``tutor config save --set`` command that sets ``key`` to ``value``, quoted for a POSIX shell."""
    return "tutor config save --set " + shlex.quote(f"{key}={json.dumps(value)}")


def _type(value: t.Any) -> str:
    # The type only: a value is never echoed back.
    return type(value).__name__


def _refuse(problem: str, fix: str) -> t.NoReturn:
    raise exceptions.TutorError(
        f"{problem}. Nothing was rendered, and Tutor commands refuse this configuration until it is fixed. Fix: {fix}."
    )
