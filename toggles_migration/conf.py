"""The one accessor for the TOGGLES_MIGRATION setting, with every default in one place."""

import copy
import difflib
from dataclasses import dataclass

from .notices import InvalidTogglesMigration, type_name
from .retirements import DEFAULT_LEGACY_BACKENDS, RETIREMENTS

SETTING_NAME = "TOGGLES_MIGRATION"

DEFAULTS = {
    # .. setting_name: TOGGLES_MIGRATION['LEGACY_BACKENDS']
    # .. setting_default: ('proctortrack',)
    # .. setting_description: Names (a list or tuple) of the PROCTORING_BACKENDS entries whose courses the
    #   legacy code special-cased: the retired studio.show_review_rules flag and the rule "an escalation
    #   email is required iff the provider is proctortrack" applied only to them. The settings shim gives
    #   these backends the legacy-preserving values (show_review_rules=False,
    #   requires_escalation_email=True) when unset, with check toggles_migration.W004; migration 0002
    #   and "retire_toggle plan" evaluate the flag for the courses on these backends and compare the
    #   decision with their options. Set it when your Proctortrack backend is registered under another name.
    # .. setting_warning: 'DEFAULT' is not a backend name here: list the backend that
    #   PROCTORING_BACKENDS['DEFAULT'] names instead. An empty list turns the legacy rule off.
    "LEGACY_BACKENDS": DEFAULT_LEGACY_BACKENDS,
    # .. setting_name: TOGGLES_MIGRATION['DECISIONS']
    # .. setting_default: {}
    # .. setting_description: Operator-chosen values for retired toggles, by toggle name, e.g.
    #   {'studio.show_review_rules': True}. Migration 0002 and "retire_toggle plan" then take this value
    #   as the decision (source "operator") instead of the one computed from the stored state (the majority
    #   of the known courses, or the global flag), and report every course whose legacy value differs from it.
    #   The option "retire_toggle plan --value true|false" does the same for one dry run.
    "DECISIONS": {},
    # .. toggle_name: TOGGLES_MIGRATION['STRICT']
    # .. toggle_implementation: DjangoSetting
    # .. toggle_default: False
    # .. toggle_description: When True, migration 0002 fails, printing the exact PROCTORING_BACKENDS fix, if the
    #   effective settings disagree with the decision computed from the retired flag's stored state, so an
    #   upgrade cannot finish with settings that change the courses' behaviour. When False (the default) it
    #   prints a warning, and "retire_toggle verify" and the system check toggles_migration.W005 keep
    #   reporting the disagreement.
    # .. toggle_use_cases: opt_in
    # .. toggle_creation_date: 2026-11-27
    "STRICT": False,
    # .. setting_name: TOGGLES_MIGRATION['READS']
    # .. setting_default: warn
    # .. setting_description: What a remaining read of a retired toggle (through django-waffle, edx-toggles,
    #   edx-platform's CourseWaffleFlag or toggles_migration.SHOW_REVIEW_RULES_FLAG) gets. "warn": the
    #   legacy answer, a RetiredToggleWarning at the caller's line and a rate-limited log record naming the call
    #   site. "redirect": the answer of the backend option that replaced the toggle, for the first legacy
    #   backend, with the same warning and record. "error": RetiredToggleRead is raised (for the test suites
    #   and CI of forks). "silent": the legacy answer, no warning and no log record. Every mode counts the
    #   read for "retire_toggle status".
    "READS": "warn",
    # .. setting_name: TOGGLES_MIGRATION['READS_LOG_INTERVAL']
    # .. setting_default: 300
    # .. setting_description: Seconds between two log records (logger toggles_migration.reads) for reads from
    #   one call site in one process; the next record says how many were suppressed. 0 logs every read.
    "READS_LOG_INTERVAL": 300,
    # .. setting_name: TOGGLES_MIGRATION['READS_CACHE']
    # .. setting_default: default
    # .. setting_description: Alias of the Django cache (the shared memcached or Redis of the deployment) where
    #   reads of retired toggles are counted across processes for "retire_toggle status". A cache outage only
    #   loses counts; reads still answer.
    "READS_CACHE": "default",
}
READS_MODES = ("warn", "redirect", "error", "silent")
_last_read = []


@dataclass(frozen=True)
class TogglesMigrationSettings:
    """The validated TOGGLES_MIGRATION values, defaults filled in."""

    legacy_backends: tuple
    decisions: dict
    strict: bool
    reads: str
    reads_log_interval: float
    reads_cache: str


def read_settings(source=None):
    """
    Read TOGGLES_MIGRATION from ``source`` (a settings module or object), by default ``django.conf.settings``.

    Read when called, never at import time, so the settings shim can use it while settings load.
    """
    if source is None:
        from django.conf import settings as source  # pylint: disable=import-outside-toplevel
    raw = getattr(source, SETTING_NAME, None)
    # Reads of retired toggles call this on every read: reuse the last result while the value is unchanged.
    last = _last_read
    if last and last[0] is raw and last[1] == raw:
        return last[2]
    parsed = parse_settings(raw)
    _last_read[:] = [raw, copy.deepcopy(raw), parsed]
    return parsed


def parse_settings(raw):
    """Validate a raw TOGGLES_MIGRATION value (None means unset) and fill in the defaults."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise InvalidTogglesMigration(
            f"{SETTING_NAME} must be a dict, found {type_name(raw)}.",
            f"set {SETTING_NAME} = {{'LEGACY_BACKENDS': {list(DEFAULT_LEGACY_BACKENDS)!r}}}, "
            "or remove it to use the defaults.",
        )
    _reject_unknown_keys(raw)
    values = {**DEFAULTS, **raw}
    return TogglesMigrationSettings(
        legacy_backends=_backend_names(values["LEGACY_BACKENDS"], "LEGACY_BACKENDS"),
        decisions=_decisions(values["DECISIONS"]),
        strict=_boolean(values["STRICT"], "STRICT"),
        reads=_choice(values["READS"], "READS", READS_MODES),
        reads_log_interval=_seconds(values["READS_LOG_INTERVAL"], "READS_LOG_INTERVAL"),
        reads_cache=_choice(values["READS_CACHE"], "READS_CACHE", None),
    )


def _reject_unknown_keys(raw):
    for key in sorted(raw, key=str):
        if key in DEFAULTS:
            continue
        close = difflib.get_close_matches(str(key), list(DEFAULTS), n=1)
        hint = f"rename it to {close[0]!r}." if close else f"remove it; known keys: {', '.join(sorted(DEFAULTS))}."
        raise InvalidTogglesMigration(f"{SETTING_NAME}[{key!r}] is not a known key.", hint)


def _backend_names(value, key):
    path = f"{SETTING_NAME}[{key!r}]"
    example = f"use a list of backend names, e.g. {list(DEFAULT_LEGACY_BACKENDS)!r}."
    if not isinstance(value, (list, tuple)):
        raise InvalidTogglesMigration(f"{path} must be a list of backend names, found {type_name(value)}.", example)
    for index, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            raise InvalidTogglesMigration(
                f"{path}[{index}] must be a non-empty backend name, found {type_name(item)}.", example
            )
        if item == "DEFAULT":
            raise InvalidTogglesMigration(
                f"{path}[{index}] is 'DEFAULT', which is not a backend but the name of the default one.",
                "list the backend that DEFAULT names instead.",
            )
    return tuple(value)


def _decisions(value):
    path = f"{SETTING_NAME}['DECISIONS']"
    if not isinstance(value, dict):
        raise InvalidTogglesMigration(
            f"{path} must be a dict of toggle name to True/False, found {type_name(value)}.",
            f"e.g. {{{RETIREMENTS[0].name!r}: True}}.",
        )
    known = {retirement.name for retirement in RETIREMENTS}
    for name, decision in value.items():
        if name not in known:
            raise InvalidTogglesMigration(
                f"{path} names {name!r}, which is not a retired toggle.",
                f"use one of: {', '.join(sorted(known))}.",
            )
        if not isinstance(decision, bool):
            raise InvalidTogglesMigration(
                f"{path}[{name!r}] must be True or False, found {type_name(decision)}.",
                f"set {path}[{name!r}] = True or False.",
            )
    return dict(value)


def _boolean(value, key):
    if not isinstance(value, bool):
        path = f"{SETTING_NAME}[{key!r}]"
        raise InvalidTogglesMigration(f"{path} must be True or False, found {type_name(value)}.", f"set {path} = True.")
    return value


def _choice(value, key, choices):
    path = f"{SETTING_NAME}[{key!r}]"
    if not isinstance(value, str) or (choices is not None and value not in choices):
        allowed = ", ".join(repr(choice) for choice in choices) if choices else "a cache alias"
        raise InvalidTogglesMigration(
            f"{path} must be one of {allowed}, found {type_name(value)}"
            + (f" {value!r}." if isinstance(value, str) else "."),
            f"set {path} to one of {allowed}.",
        )
    return value


def _seconds(value, key):
    path = f"{SETTING_NAME}[{key!r}]"
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise InvalidTogglesMigration(
            f"{path} must be a number of seconds (0 or more), found {type_name(value)}.", f"e.g. {path} = 300."
        )
    return float(value)
