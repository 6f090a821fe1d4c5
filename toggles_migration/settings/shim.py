"""Normalise and validate PROCTORING_BACKENDS once settings are final, keeping legacy behaviour by default."""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from ..checks import notices as n
from ..checks.notices import InvalidProctoringBackends, Notice, type_name
from ..retirements import DEFAULT_LEGACY_BACKENDS, ManagedOption, managed_options

BACKENDS_SETTING = "PROCTORING_BACKENDS"
DEFAULT_KEY = "DEFAULT"
# Where the shim keeps what it noticed, beside the value: the checks and reports read it after the shim ran, and
# E007 compares what upstream reads with it.
RESULT_SETTING_NAME = "TOGGLES_MIGRATION_SHIM_RESULT"

EXPLICIT = "explicit"
LEGACY_SPELLING = "legacy-spelling"
COERCED = "coerced"
LEGACY_RULE = "legacy-rule"
DEFAULT = "default"

TRUE_STRINGS = frozenset({"true", "yes", "on", "1"})
FALSE_STRINGS = frozenset({"false", "no", "off", "0"})
_MISSPELLING_SIMILARITY = 0.85

# What _readable wraps: it keeps the signature, so callers are checked against normalise_proctoring_backends itself.
_Normaliser = TypeVar("_Normaliser", bound=Callable[..., "ShimResult"])


@dataclass(frozen=True, slots=True)
class EffectiveValue:
    """A managed option's effective value on one backend, and where it came from."""

    # None only when the backend's entry does not configure the option (source plan.NOT_CONFIGURED).
    value: bool | None
    # EXPLICIT, LEGACY_SPELLING, COERCED, LEGACY_RULE or DEFAULT, or plan.NOT_CONFIGURED.
    source: str


# Every EffectiveValue the shim gives, made once: they are immutable, and a call gives one per backend and option.
_EFFECTIVE = {
    (value, source): EffectiveValue(value, source)
    for value in (True, False)
    for source in (EXPLICIT, LEGACY_SPELLING, COERCED, LEGACY_RULE, DEFAULT)
}

# {backend: {option: EffectiveValue}}.
EffectiveOptions = dict[str, dict[str, EffectiveValue]]


@dataclass(frozen=True)
class ShimResult:
    """The normalised PROCTORING_BACKENDS, what was noticed, and the effective managed options."""

    # Excluded from repr: backend entries carry credentials.
    value: dict[str, Any] = field(repr=False)
    notices: tuple[Notice, ...]
    options: EffectiveOptions
    # The legacy backends it was read with, what the operator wrote, and the value as normalised: enough to
    # tell later whether someone changed the value in place, and to re-read only what they changed.
    legacy_backends: tuple[str, ...] = DEFAULT_LEGACY_BACKENDS
    # The managed options it was normalised for: a retirement declared since makes it stale.
    managed: tuple[ManagedOption, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    snapshot: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def option(self, backend: str, option_name: str) -> EffectiveValue | None:
        """Return the EffectiveValue of ``option_name`` on ``backend``, or None for an unconfigured backend."""
        return self.options.get(backend, {}).get(option_name)


def _readable(normalise: _Normaliser) -> _Normaliser:
    """
    Report what an operator's object breaks while ``normalise`` reads it as InvalidProctoringBackends, never a crash.

    Objects whose comparison, hashing, iteration, indexing or repr raises cannot be read; a backend name holding a
    lone surrogate cannot be printed by any report, so it is refused too.
    """

    @functools.wraps(normalise)
    def guarded(value: object, *args: Any, **kwargs: Any) -> ShimResult:
        try:
            result = normalise(value, *args, **kwargs)
        except InvalidProctoringBackends:
            raise
        except Exception as error:  # any failure of a foreign object is a configuration error
            raise InvalidProctoringBackends(
                f"{BACKENDS_SETTING} cannot be read: reading its {type_name(value)} value raised "
                f"{type(error).__name__}.",
                f"use plain values in {BACKENDS_SETTING} (str keys; dict entries of str, bool and int values), not "
                "objects whose comparison, hashing, iteration, indexing or repr fails.",
            ) from error
        for backend in result.value:
            # ASCII (every real name) is checked in O(1): the encoding only runs for the rest.
            if str.isascii(backend):
                continue
            try:
                str.encode(backend, "utf-8")
            except UnicodeEncodeError:
                raise InvalidProctoringBackends(
                    f"{BACKENDS_SETTING} has the backend name {str.__str__(backend)!a}, which holds a lone surrogate: "
                    "not text that any report can show.",
                    f"spell the backend name in {BACKENDS_SETTING} as valid text.",
                ) from None
        return result

    return cast(_Normaliser, guarded)


@_readable
def normalise_proctoring_backends(
    value: object, legacy_backends: Collection[str] = DEFAULT_LEGACY_BACKENDS
) -> ShimResult:
    """
    Return a ShimResult for a PROCTORING_BACKENDS value; never mutates ``value``.

    Raises InvalidProctoringBackends (an ImproperlyConfigured) for values that cannot be read without guessing.
    """
    if not isinstance(value, dict):
        raise InvalidProctoringBackends(
            f"{BACKENDS_SETTING} must be a dict, found {type_name(value)}.",
            f"set {BACKENDS_SETTING} = {{'DEFAULT': '<backend>', '<backend>': {{...}}}}.",
        )
    normalised: dict[str, Any] = {}
    found: list[Notice] = []
    options: EffectiveOptions = {}
    managed = managed_options()
    vocabulary = _vocabulary(managed)
    for backend, entry in value.items():
        if backend == DEFAULT_KEY:
            normalised[backend] = entry
            continue
        _check_backend(backend, entry)
        normalised[backend], options[backend] = _normalise_backend(
            backend, entry, backend in legacy_backends, vocabulary, found
        )
    found.extend(_default_notices(value))
    return ShimResult(
        value=normalised,
        notices=tuple(found),
        options=options,
        legacy_backends=tuple(legacy_backends),
        managed=managed,
        raw=_two_levels(value),
        snapshot=_two_levels(normalised),
    )


def _two_levels(value: Mapping[str, Any]) -> dict[str, Any]:
    """Copy the outer dict and each backend entry; leaf values stay the same objects."""
    return {key: dict(entry) if isinstance(entry, dict) else entry for key, entry in value.items()}


def _check_backend(backend: object, entry: object) -> None:
    if not isinstance(backend, str):
        raise InvalidProctoringBackends(
            f"{BACKENDS_SETTING} has a key of type {type_name(backend)}; backend names must be strings.",
            f"quote the backend name in {BACKENDS_SETTING}.",
        )
    if not isinstance(entry, dict):
        raise InvalidProctoringBackends(
            f"{BACKENDS_SETTING}[{backend!r}] must be a dict of backend options, found {type_name(entry)}.",
            f"set {BACKENDS_SETTING}[{backend!r}] = {{}} or a dict of that backend's options.",
        )


@dataclass(frozen=True)
class _Vocabulary:
    """What normalising reads of the managed options for every backend, worked out once per set of options."""

    # (option, its spellings), in the declared order.
    options: tuple[tuple[ManagedOption, tuple[str, str]], ...]
    # Every accepted spelling: no other key of an entry is a misspelling of them.
    spellings: frozenset[str]
    names: tuple[str, ...]


@functools.lru_cache(maxsize=8)
def _vocabulary(managed: tuple[ManagedOption, ...]) -> _Vocabulary:
    return _Vocabulary(
        options=tuple((option, option.spellings) for option in managed),
        spellings=frozenset(key for option in managed for key in option.spellings),
        names=tuple(option.name for option in managed),
    )


def _normalise_backend(
    backend: str, entry: dict[str, Any], is_legacy: bool, vocabulary: _Vocabulary, found: list[Notice]
) -> tuple[dict[str, Any], dict[str, EffectiveValue]]:
    """Return the normalised entry and its options' effective values; append what was noticed to ``found``."""
    normalised = dict(entry)
    options: dict[str, EffectiveValue] = {}
    for option, spellings in vocabulary.options:
        read = {key: _coerce(backend, key, entry[key]) for key in spellings if key in entry}
        normalised.pop(option.legacy_spelling, None)
        if read:
            value, source = _explicit_value(backend, option, read, found)
            for key, (_, was_coerced) in read.items():
                if was_coerced:
                    found.append(
                        Notice(
                            n.COERCED_VALUE,
                            n.WARNING,
                            f"{BACKENDS_SETTING}[{backend!r}][{key!r}] is a {type_name(entry[key])}, read as {value}.",
                            f"write the boolean: {_python_line(option.name, value)} "
                            f"in {BACKENDS_SETTING}[{backend!r}].",
                        )
                    )
        elif is_legacy:
            value, source = option.legacy_value, LEGACY_RULE
            found.append(
                Notice(
                    n.LEGACY_RULE_APPLIED,
                    n.WARNING,
                    f"{BACKENDS_SETTING}[{backend!r}][{option.name!r}] is unset; {backend!r} is a legacy backend, "
                    f"so it keeps the legacy value {value} (upstream would default to {option.upstream_default}).",
                    n.legacy_rule_hint(backend, option.name, value),
                    backend=backend,
                    option=option.name,
                )
            )
        else:
            value, source = option.upstream_default, DEFAULT
        normalised[option.name] = value
        options[option.name] = _EFFECTIVE[value, source]
    _add_misspelling_notices(backend, entry, vocabulary, found)
    return normalised, options


def _explicit_value(
    backend: str, option: ManagedOption, read: dict[str, tuple[bool, bool]], found: list[Notice]
) -> tuple[bool, str]:
    """Pick the value of an option set under one or both spellings; refuse to guess when they disagree."""
    values = {value for value, _ in read.values()}
    if len(values) > 1:
        raise InvalidProctoringBackends(
            f"{BACKENDS_SETTING}[{backend!r}] sets both {option.name!r} and {option.legacy_spelling!r}, "
            "and they disagree.",
            f"keep only {option.name!r} in {BACKENDS_SETTING}[{backend!r}] with the value you mean.",
        )
    value = values.pop()
    if option.legacy_spelling not in read:
        return value, (COERCED if read[option.name][1] else EXPLICIT)
    if option.name in read:
        message = (
            f"{BACKENDS_SETTING}[{backend!r}] sets both {option.name!r} and {option.legacy_spelling!r}; they agree."
        )
        hint = f"remove {option.legacy_spelling!r} from {BACKENDS_SETTING}[{backend!r}]."
        source = COERCED if read[option.name][1] else EXPLICIT
    else:
        message = (
            f"{BACKENDS_SETTING}[{backend!r}][{option.legacy_spelling!r}] is the abandoned upper-case spelling, "
            f"which upstream ignores; read as {option.name!r}."
        )
        hint = f"rename it: {_python_line(option.name, value)} in {BACKENDS_SETTING}[{backend!r}]."
        source = LEGACY_SPELLING
    found.append(Notice(n.LEGACY_SPELLING, n.WARNING, message, hint))
    return value, source


def _coerce(backend: str, key: str, value: object) -> tuple[bool, bool]:
    """Return (bool, was_coerced) for an option value, or raise naming the backend, option and type."""
    if isinstance(value, bool):
        return value, False
    if isinstance(value, int) and value in (0, 1):
        return bool(value), True
    if isinstance(value, str):
        word = value.strip().lower()
        if word in TRUE_STRINGS:
            return True, True
        if word in FALSE_STRINGS:
            return False, True
    accepted = "True or False (the strings true/false/yes/no/on/off/1/0 and the integers 0/1 are also read)"
    raise InvalidProctoringBackends(
        f"{BACKENDS_SETTING}[{backend!r}][{key!r}] must be a boolean, found {type_name(value)} that is not "
        "a recognised boolean value.",
        f"set it to {accepted}.",
    )


def _squash(key: str) -> str:
    return re.sub(r"[^a-z0-9]", "", key.lower())


# Keyed by the option names (plain strings, cheap to hash), not by the options themselves.
@functools.lru_cache(maxsize=1024)
def _misspelt_option(key: str, names: tuple[str, ...]) -> str:
    """Return the one of ``names`` that ``key`` looks like a misspelling of, or ''."""
    squashed = _squash(key)
    for name in names:
        matcher = difflib.SequenceMatcher(None, squashed, _squash(name))
        # The cheap upper bound rules out most keys before the full comparison.
        if matcher.real_quick_ratio() >= _MISSPELLING_SIMILARITY and matcher.ratio() >= _MISSPELLING_SIMILARITY:
            return name
    return ""


def _add_misspelling_notices(backend: str, entry: dict[str, Any], vocabulary: _Vocabulary, found: list[Notice]) -> None:
    for key in entry:
        if not isinstance(key, str) or key in vocabulary.spellings:
            continue
        suggestion = _misspelt_option(key, vocabulary.names)
        if suggestion:
            found.append(
                Notice(
                    n.POSSIBLE_MISSPELLING,
                    n.WARNING,
                    f"{BACKENDS_SETTING}[{backend!r}] has the key {key!r}, which looks like a misspelling of "
                    f"{suggestion!r}; it is left in place and nothing reads it.",
                    f"rename {key!r} to {suggestion!r} in {BACKENDS_SETTING}[{backend!r}].",
                )
            )


def _default_notices(value: dict[Any, Any]) -> list[Notice]:
    backends = sorted(key for key in value if key != DEFAULT_KEY and isinstance(key, str))
    choices = ", ".join(repr(name) for name in backends) or "none configured"
    if DEFAULT_KEY not in value:
        return [
            Notice(
                n.DEFAULT_MISSING,
                n.ERROR,
                f"{BACKENDS_SETTING} has no 'DEFAULT' entry, so courses without a provider have none.",
                f"add {BACKENDS_SETTING}['DEFAULT'] = '<backend>' naming one of: {choices}.",
            )
        ]
    default = value[DEFAULT_KEY]
    if not isinstance(default, str):
        return [
            Notice(
                n.DEFAULT_NOT_A_STRING,
                n.ERROR,
                f"{BACKENDS_SETTING}['DEFAULT'] must be the name of a backend (a str), found {type_name(default)}.",
                f"set {BACKENDS_SETTING}['DEFAULT'] to one of: {choices}; "
                "backend options go under the backend's own key.",
            )
        ]
    if default not in backends:
        return [
            Notice(
                n.DEFAULT_UNKNOWN_BACKEND,
                n.ERROR,
                f"{BACKENDS_SETTING}['DEFAULT'] is {default!r}, which is not a configured backend.",
                f"set {BACKENDS_SETTING}['DEFAULT'] to one of: {choices}, or add a {default!r} entry.",
            )
        ]
    return []


def _python_line(option_name: str, value: bool) -> str:
    return f'"{option_name}": {value}'
