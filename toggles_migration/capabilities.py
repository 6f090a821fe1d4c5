"""Per-backend proctoring capabilities with upstream's semantics, for releases that predate upstream's helpers."""

from typing import Any

from django.conf import settings

from .checks.notices import type_name
from .retirements import REQUIRES_ESCALATION_EMAIL, SHOW_REVIEW_RULES, ManagedOption, managed_options

# edx-platform offers the edx-exams LTI provider without a PROCTORING_BACKENDS entry, and its
# get_requires_escalation_email_providers() always lists it.
LTI_EXTERNAL = "lti_external"
_NOT_CONFIGURED: dict[str, Any] = {}


def _managed(option: ManagedOption | str) -> ManagedOption:
    if isinstance(option, ManagedOption):
        return option
    for known in managed_options():
        if known.name == option:
            return known
    known_names = ", ".join(known.name for known in managed_options())
    raise LookupError(f"{option!r} is not a managed option; known: {known_names}")


def option_value(provider: str | None, option: ManagedOption | str) -> bool:
    """
    Return a managed option's value for ``provider``, upstream-style: the provider's entry, else the default.

    ``option`` is a ``retirements.ManagedOption`` or the name of a declared one. The provider 'DEFAULT' (whose
    entry is a provider-name string) and a missing PROCTORING_BACKENDS give the default instead of raising; so
    does a value that cannot be read (changed at run time), which is logged once per interval.
    """
    declared = _managed(option)
    try:
        entry = _backends().get(provider, _NOT_CONFIGURED)
        if isinstance(entry, dict):
            return bool(entry.get(declared.name, declared.upstream_default))
        if provider != "DEFAULT":
            raise _Unreadable(f"PROCTORING_BACKENDS[{provider!r}] must be a dict, found {type_name(entry)}")
    except Exception as error:  # noqa: BLE001  # pylint: disable=broad-exception-caught  # reported instead
        _report(error, f"the {declared.name} option of {provider!r}", repr(declared.upstream_default))
    return declared.upstream_default


def show_review_rules(provider: str | None) -> bool:
    """
    Return whether Studio shows the exam "Review Rules" field for courses using ``provider``.

    A deliberate difference from upstream's helper: ``show_review_rules('DEFAULT')`` returns the default (True)
    instead of raising ``AttributeError`` on the provider-name string that ``PROCTORING_BACKENDS['DEFAULT']`` holds.
    """
    return option_value(provider, SHOW_REVIEW_RULES)


def requires_escalation_email(provider: str | None) -> bool:
    """Return whether courses using ``provider`` must name an exam escalation contact."""
    return option_value(provider, REQUIRES_ESCALATION_EMAIL)


def requires_escalation_email_providers() -> list[str]:
    """Return the providers that require an escalation email, as upstream does: ``'lti_external'`` added, sorted."""
    try:
        providers = {
            name
            for name, entry in _backends().items()
            if name != "DEFAULT" and isinstance(entry, dict) and option_value(name, REQUIRES_ESCALATION_EMAIL)
        }
        return sorted({*providers, LTI_EXTERNAL})
    except Exception as error:  # noqa: BLE001  # pylint: disable=broad-exception-caught  # reported instead
        _report(error, "requires_escalation_email_providers()", repr([LTI_EXTERNAL]))
    return [LTI_EXTERNAL]


def _backends() -> dict[Any, Any]:
    """Return PROCTORING_BACKENDS ({} when unset), or raise _Unreadable: it has any shape until the shim ran."""
    backends: Any = getattr(settings, "PROCTORING_BACKENDS", _NOT_CONFIGURED)
    if not isinstance(backends, dict):
        raise _Unreadable(f"PROCTORING_BACKENDS must be a dict, found {type_name(backends)}")
    return backends


class _Unreadable(Exception):
    """A PROCTORING_BACKENDS value the helpers cannot read; its message names the setting and the type found."""


def _report(error: Exception, what: str, answer: str) -> None:
    """Log, once per interval, that a helper answered the default because PROCTORING_BACKENDS cannot be read."""
    # Imported here: the helpers load with the settings, the reporting machinery needs the apps.
    from .reads.notify import DEFAULT_INTERVAL, log_problem  # pylint: disable=import-outside-toplevel

    found = str(error) if isinstance(error, _Unreadable) else f"reading it raised {type(error).__name__}"
    log_problem(
        f"capabilities:{what}",
        DEFAULT_INTERVAL,
        "%s (changed at run time?): %s answers %s until it is fixed. Fix: set PROCTORING_BACKENDS to a dict of "
        "backend name to a dict of options, e.g. {'proctortrack': {'show_review_rules': False}}.",
        found,
        what,
        answer,
    )
