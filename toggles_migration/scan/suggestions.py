"""A short, actionable suggestion for each finding, worded from the retirement declarations."""

from toggles_migration.retirements import MANAGED_OPTIONS

from .findings import Category


def _option_keys():
    return " / ".join(f"['{option.name}']" for option in MANAGED_OPTIONS)


def _helpers():
    # Each managed option has a capability helper of the same name in toggles_migration.
    return " / ".join(f"toggles_migration.{option.name}(provider)" for option in MANAGED_OPTIONS)


def suggestion_for(target, category):
    """Return what to do about an occurrence of ``target`` in ``category``."""
    if target.is_retired_toggle:
        return _for_retired_toggle(target.retirement, category)
    return _for_backend_name(category)


def _for_backend_name(category):
    return {
        Category.LOGIC: "use the backend option that replaces the name check, e.g. "
        f"PROCTORING_BACKENDS[provider]{_option_keys()} via {_helpers()}",
        Category.DEPENDENCY: "keep the package only while a course uses this backend; drop its strings from "
        "translation extraction once no code or template names it",
        Category.DISPLAY_STRING: "take the provider's name from the backend (or describe the capability) "
        "instead of a hard-coded name in the message",
        Category.COMMENT: "reword the comment around the backend option rather than the backend name",
        Category.DOCS: f"document the PROCTORING_BACKENDS options {_option_keys()} rather than the backend name",
        Category.CONFIG: f"give this backend explicit PROCTORING_BACKENDS options {_option_keys()}",
        Category.TRANSLATION: "informational: catalogues follow the source strings once those change",
        Category.TEST: "informational: mock backends in tests are fine; prefer a neutral name where the test "
        "does not depend on the legacy backend",
    }[category]


def _for_retired_toggle(retirement, category):
    option = retirement.option.name
    replacement = f"PROCTORING_BACKENDS[<backend>]['{option}']"
    return {
        Category.LOGIC: f"read {replacement} via toggles_migration.{option}(provider)",
        Category.DEPENDENCY: f"stop depending on {retirement.name}; its replacement is {replacement}",
        Category.DISPLAY_STRING: f"{retirement.name} is retired: name {replacement} in the message instead",
        Category.COMMENT: f"{retirement.name} is retired: point the comment at {replacement}",
        Category.DOCS: f"{retirement.name} is retired: document {replacement} instead",
        Category.CONFIG: f"remove the retired {retirement.name} setting and set {replacement} instead",
        Category.TRANSLATION: "informational: catalogues follow the source strings once those change",
        Category.TEST: f"informational: tests of the retired {retirement.name} can go once nothing reads it",
    }[category]
