"""Per-backend proctoring capabilities with upstream's semantics, for releases that predate upstream's helpers."""

from typing import Any

from django.conf import settings

from .retirements import REQUIRES_ESCALATION_EMAIL, SHOW_REVIEW_RULES, ManagedOption

# edx-platform offers the edx-exams LTI provider without a PROCTORING_BACKENDS entry, and its
# get_requires_escalation_email_providers() always lists it.
LTI_EXTERNAL = "lti_external"
_NOT_CONFIGURED: dict[str, Any] = {}


def _option(provider: str | None, name: str, default: bool) -> bool:
    try:
        backends: Any = settings.PROCTORING_BACKENDS  # the operator's value, of any shape until the shim ran
        return bool(backends.get(provider, _NOT_CONFIGURED).get(name, default))
    except AttributeError:
        # No PROCTORING_BACKENDS at all, or the provider is 'DEFAULT' (a string): not configured.
        return default


def option_value(provider: str | None, option: ManagedOption) -> bool:
    """Return a managed option's value for ``provider`` (a ``retirements.ManagedOption``), upstream-style."""
    return _option(provider, option.name, option.upstream_default)


def show_review_rules(provider: str | None) -> bool:
    """
    Return whether Studio shows the exam "Review Rules" field for courses using ``provider``.

    A deliberate difference from upstream's helper: ``show_review_rules('DEFAULT')`` returns the default (True)
    instead of raising ``AttributeError`` on the provider-name string that ``PROCTORING_BACKENDS['DEFAULT']`` holds.
    """
    return _option(provider, SHOW_REVIEW_RULES.name, SHOW_REVIEW_RULES.upstream_default)


def requires_escalation_email(provider: str | None) -> bool:
    """Return whether courses using ``provider`` must name an exam escalation contact."""
    return _option(provider, REQUIRES_ESCALATION_EMAIL.name, REQUIRES_ESCALATION_EMAIL.upstream_default)


def requires_escalation_email_providers() -> list[str]:
    """Return the providers that require an escalation email, as upstream does: ``'lti_external'`` added, sorted."""
    backends = getattr(settings, "PROCTORING_BACKENDS", _NOT_CONFIGURED)
    providers = [
        name
        for name, entry in backends.items()
        if name != "DEFAULT" and isinstance(entry, dict) and entry.get(REQUIRES_ESCALATION_EMAIL.name, False)
    ]
    if LTI_EXTERNAL not in providers:
        providers.append(LTI_EXTERNAL)
    return sorted(providers)
