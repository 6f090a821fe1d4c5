"""The accessors of the package's own settings: TOGGLES_MIGRATION, with every default in one place, and Tutor's."""

import copy
import difflib
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any, TypeVar

from ..checks.notices import InvalidTogglesMigration, SettingError, type_name
from ..retirements import DEFAULT_LEGACY_BACKENDS, declared, declared_names

CONFIG_SETTING = "TOGGLES_MIGRATION"
# Where the Tutor plugin's settings patch records what its per-backend options key holds
# (tutor/tutortoggles_migration/patches/openedx-common-settings).
TUTOR_SETTING = "TOGGLES_MIGRATION_TUTOR_BACKEND_OPTIONS"

_T = TypeVar("_T")
_V = TypeVar("_V")

DEFAULTS: dict[str, object] = {
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
    #   reporting the disagreement. When True, the system check toggles_migration.W006 (a proctoring backend in
    #   use that edx-proctoring has not loaded) is an error, which stops migrate, rather than a warning.
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
    #   A finite number from 0 to 86400 (one day); anything else is check toggles_migration.E005.
    "READS_LOG_INTERVAL": 300,
    # .. setting_name: TOGGLES_MIGRATION['READS_CACHE']
    # .. setting_default: default
    # .. setting_description: Alias of the Django cache (the shared memcached or Redis of the deployment) where
    #   reads of retired toggles are counted across processes for "retire_toggle status". A cache outage only
    #   loses counts; reads still answer. It must be an alias in CACHES (check toggles_migration.E005). Counts
    #   are exact on Redis, memcached and the local-memory cache, whose increments are atomic.
    "READS_CACHE": "default",
    # .. setting_name: TOGGLES_MIGRATION['LOCK_TIMEOUT']
    # .. setting_default: 30
    # .. setting_description: Seconds that an action on a capture ("retire_toggle capture", "prune" and
    #   "restore", their dry runs, "export") and the capture migration, forwards and backwards, wait for the
    #   capture's lock while another of them holds it. Then it refuses (exit 1, nothing changed), naming the
    #   process that holds the lock when the database can tell, and the command to run again. The wait is the
    #   database's own, set for that action only: PostgreSQL's lock_timeout (SET LOCAL), MariaDB's and MySQL's
    #   innodb_lock_wait_timeout (the session's value is put back after), SQLite's busy timeout. A whole
    #   number from 1 to 3600 (one hour); anything else is check toggles_migration.E005.
    "LOCK_TIMEOUT": 30,
}
READS_MODES = ("warn", "redirect", "error", "silent")
# One day: a longer interval would hide a busy call site from the logs for longer than anyone looks.
MAX_READS_LOG_INTERVAL = 86400
# One hour: an upgrade waiting longer for another operator's action is better told to run again.
MAX_LOCK_TIMEOUT = 3600
PLAIN_VALUES_HINT = (
    f"use plain Python values in {CONFIG_SETTING} (str, bool, int, float, list, tuple, dict), not objects whose "
    "comparison, hashing, iteration, indexing or repr fails."
)


@dataclass(frozen=True)
class TogglesMigrationSettings:
    """The validated TOGGLES_MIGRATION values, defaults filled in."""

    legacy_backends: tuple[str, ...]
    decisions: dict[str, bool]
    strict: bool
    reads: str
    reads_log_interval: float
    reads_cache: str
    lock_timeout: int


@dataclass(frozen=True)
class _ParsedValue:
    """A TOGGLES_MIGRATION value, a deep copy of it as read (to notice changes in place), and what it parsed to."""

    raw: object
    copied: object
    parsed: TogglesMigrationSettings
    # The declared retirements it was checked against, and whether every app had declared its own by then.
    names: frozenset[str]
    complete: bool


@dataclass
class _LastRead:
    """The last value read_settings parsed; replaced whole, so a concurrent reader sees an old or a new one."""

    value: _ParsedValue | None = None


_last_read = _LastRead()


def read_settings(source: object = None) -> TogglesMigrationSettings:
    """
    Read TOGGLES_MIGRATION from ``source`` (a settings module or object), by default ``django.conf.settings``.

    Read when called, never at import time, so the settings shim can use it while settings load.
    """
    if source is None:
        from django.conf import settings as source  # pylint: disable=import-outside-toplevel
    raw = getattr(source, CONFIG_SETTING, None)
    # Reads of retired toggles call this on every read: reuse the last result while the value is unchanged.
    last = _last_read.value
    names, complete = declared_names(), _every_app_declared()
    if last is not None and _still_valid(last, raw, names, complete):
        return last.parsed
    parsed = parse_settings(raw)
    try:
        _last_read.value = _ParsedValue(raw, copy.deepcopy(raw), parsed, names, complete)
    except Exception:  # noqa: BLE001  # pylint: disable=broad-exception-caught
        # a value that cannot be copied is parsed again on every read instead
        _last_read.value = None
    return parsed


def tutor_backend_options(source: object = None) -> dict[str, dict[str, Any]]:
    """Return {backend: options} that Tutor's per-backend options key holds, read now; {} outside Tutor."""
    if source is None:
        from django.conf import settings  # pylint: disable=import-outside-toplevel

        source = settings if settings.configured else None
    held = getattr(source, TUTOR_SETTING, None)
    if not isinstance(held, dict):
        return {}
    return {
        backend: dict(options)
        for backend, options in held.items()
        if isinstance(backend, str) and isinstance(options, dict)
    }


def _still_valid(last: _ParsedValue, raw: object, names: frozenset[str], complete: bool) -> bool:
    """Return whether ``last`` parsed this very value, unchanged, against the retirements declared now."""
    checked = last.names is names and (last.complete or not complete)
    return last.raw is raw and checked and _unchanged(last.copied, raw)


def _every_app_declared() -> bool:
    """
    Return whether every app has declared its retirements: apps register theirs in ``ready()``.

    Until then (while settings load) a decision may name a retirement that an app declares later: it is checked
    once the apps are ready, by the system checks and by every action.
    """
    from django.apps import apps  # pylint: disable=import-outside-toplevel

    return apps.ready


def _unchanged(copied: object, raw: object) -> bool:
    try:
        return bool(copied == raw)
    except Exception:  # noqa: BLE001  # pylint: disable=broad-exception-caught
        # an uncomparable value is treated as changed and parsed (and reported) again
        return False


def parse_settings(raw: object) -> TogglesMigrationSettings:
    """Validate a raw TOGGLES_MIGRATION value (None means unset) and fill in the defaults."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise InvalidTogglesMigration(
            f"{CONFIG_SETTING} must be a dict, found {type_name(raw)}.",
            f"set {CONFIG_SETTING} = {{'LEGACY_BACKENDS': {list(DEFAULT_LEGACY_BACKENDS)!r}}}, "
            "or remove it to use the defaults.",
        )
    values = _guarded(CONFIG_SETTING, raw, _with_defaults)
    return TogglesMigrationSettings(
        legacy_backends=_read_key(values, "LEGACY_BACKENDS", _backend_names),
        decisions=_read_key(values, "DECISIONS", lambda value, _key: _decisions(value)),
        strict=_read_key(values, "STRICT", _boolean),
        reads=_read_key(values, "READS", lambda value, key: _choice(value, key, READS_MODES)),
        reads_log_interval=_read_key(values, "READS_LOG_INTERVAL", _seconds),
        reads_cache=_read_key(values, "READS_CACHE", lambda value, key: _choice(value, key, None)),
        lock_timeout=_read_key(values, "LOCK_TIMEOUT", _whole_seconds),
    )


def _with_defaults(raw: dict[Any, Any]) -> dict[Any, Any]:
    _reject_unknown_keys(raw)
    # Plain copies: an operator's dict subclass is read once, here, and never again.
    return {**DEFAULTS, **{key: raw[key] for key in list(raw)}}


def _read_key(values: dict[Any, Any], key: str, parse: Callable[[Any, str], _T]) -> _T:
    return _guarded(f"{CONFIG_SETTING}[{key!r}]", values[key], lambda value: parse(value, key))


def _guarded(path: str, value: _V, parse: Callable[[_V], _T]) -> _T:
    """Run ``parse(value)``; an exception raised by an operator's object becomes InvalidTogglesMigration."""
    try:
        return parse(value)
    except SettingError:
        raise
    except Exception as error:
        raise InvalidTogglesMigration(
            f"{path} cannot be read: reading its {type_name(value)} value raised {type(error).__name__}.",
            PLAIN_VALUES_HINT,
        ) from error


def check_reads_cache(config: TogglesMigrationSettings, caches: Collection[str]) -> None:
    """Raise InvalidTogglesMigration when READS_CACHE is not an alias of ``caches`` (the CACHES setting)."""
    if config.reads_cache in caches:
        return
    path = f"{CONFIG_SETTING}['READS_CACHE']"
    aliases = ", ".join(repr(alias) for alias in sorted(caches, key=str)) or "none configured"
    raise InvalidTogglesMigration(
        f"{path} is {config.reads_cache!r}, which is not a cache alias in CACHES.",
        f"set {path} to one of: {aliases}, or add {config.reads_cache!r} to CACHES.",
    )


def _reject_unknown_keys(raw: dict[Any, Any]) -> None:
    for key in sorted(raw, key=str):
        if key in DEFAULTS:
            continue
        close = difflib.get_close_matches(str(key), list(DEFAULTS), n=1)
        hint = f"rename it to {close[0]!r}." if close else f"remove it; known keys: {', '.join(sorted(DEFAULTS))}."
        raise InvalidTogglesMigration(f"{CONFIG_SETTING}[{key!r}] is not a known key.", hint)


def _backend_names(value: object, key: str) -> tuple[str, ...]:
    path = f"{CONFIG_SETTING}[{key!r}]"
    example = f"use a list of backend names, e.g. {list(DEFAULT_LEGACY_BACKENDS)!r}."
    if not isinstance(value, (list, tuple)):
        raise InvalidTogglesMigration(f"{path} must be a list of backend names, found {type_name(value)}.", example)
    names = []
    for index, item in enumerate(value):
        # A plain str copy: a str subclass's own methods (strip, __eq__, __repr__...) are never called.
        name = str.__str__(item) if isinstance(item, str) else None
        if name is None or not name.strip():
            raise InvalidTogglesMigration(
                f"{path}[{index}] must be a non-empty backend name, found {type_name(item)}.", example
            )
        if not _is_unicode_text(name):
            raise InvalidTogglesMigration(
                f"{path}[{index}] is {name!a}, which holds a lone surrogate: not text any output can show.",
                "write the backend name exactly as its key in PROCTORING_BACKENDS is spelt.",
            )
        if name == "DEFAULT":
            raise InvalidTogglesMigration(
                f"{path}[{index}] is 'DEFAULT', which is not a backend but the name of the default one.",
                "list the backend that DEFAULT names instead.",
            )
        names.append(name)
    return tuple(names)


def _decisions(value: object) -> dict[str, bool]:
    path = f"{CONFIG_SETTING}['DECISIONS']"
    if not isinstance(value, dict):
        raise InvalidTogglesMigration(
            f"{path} must be a dict of toggle name to True/False, found {type_name(value)}.",
            f"e.g. {{{declared()[0].name!r}: True}}.",
        )
    known = declared_names()
    for name, decision in value.items():
        if name not in known and _every_app_declared():
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


def _boolean(value: object, key: str) -> bool:
    if not isinstance(value, bool):
        path = f"{CONFIG_SETTING}[{key!r}]"
        raise InvalidTogglesMigration(f"{path} must be True or False, found {type_name(value)}.", f"set {path} = True.")
    return value


def _choice(value: object, key: str, choices: tuple[str, ...] | None) -> str:
    path = f"{CONFIG_SETTING}[{key!r}]"
    if not isinstance(value, str) or (choices is not None and value not in choices):
        allowed = ", ".join(repr(choice) for choice in choices) if choices else "a cache alias"
        raise InvalidTogglesMigration(
            f"{path} must be one of {allowed}, found {type_name(value)}"
            + (f" {value!r}." if isinstance(value, str) else "."),
            f"set {path} to one of {allowed}.",
        )
    return str.__str__(value)


def _is_unicode_text(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _seconds(value: object, key: str) -> float:
    path = f"{CONFIG_SETTING}[{key!r}]"
    expected = f"{path} must be a finite number of seconds from 0 to {MAX_READS_LOG_INTERVAL} (one day)"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidTogglesMigration(f"{expected}, found {type_name(value)}.", f"e.g. {path} = 300.")
    # Compared before any conversion: float(10**400) itself raises OverflowError. NaN fails both comparisons.
    if not 0 <= value <= MAX_READS_LOG_INTERVAL:
        raise InvalidTogglesMigration(f"{expected}, found {type_name(value)} out of that range.", f"e.g. {path} = 300.")
    return float(value)


def _whole_seconds(value: object, key: str) -> int:
    path = f"{CONFIG_SETTING}[{key!r}]"
    expected = f"{path} must be a whole number of seconds from 1 to {MAX_LOCK_TIMEOUT} (one hour)"
    # Whole seconds: MariaDB's innodb_lock_wait_timeout has no fraction; 0 would mean "wait forever" on PostgreSQL.
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidTogglesMigration(f"{expected}, found {type_name(value)}.", f"e.g. {path} = 30.")
    # A plain int: an int subclass's own comparisons are never called.
    seconds = int.__int__(value)
    if not 1 <= seconds <= MAX_LOCK_TIMEOUT:
        raise InvalidTogglesMigration(f"{expected}, found {type_name(value)} out of that range.", f"e.g. {path} = 30.")
    return seconds
