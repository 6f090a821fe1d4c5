"""Per-backend proctoring capabilities with upstream's semantics, for releases that predate upstream's helpers."""

from typing import Any

from django.conf import settings

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
    entry is a provider-name string) and a missing PROCTORING_BACKENDS give the default instead of raising.
    """
    declared = _managed(option)
    try:
        backends: Any = settings.PROCTORING_BACKENDS  # the operator's value, of any shape until the shim ran
        return bool(backends.get(provider, _NOT_CONFIGURED).get(declared.name, declared.upstream_default))
    except AttributeError:
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
    backends = getattr(settings, "PROCTORING_BACKENDS", _NOT_CONFIGURED)
    providers = [
        name
        for name, entry in backends.items()
        if name != "DEFAULT" and isinstance(entry, dict) and option_value(name, REQUIRES_ESCALATION_EMAIL)
    ]
    if LTI_EXTERNAL not in providers:
        providers.append(LTI_EXTERNAL)
    return sorted(providers)
