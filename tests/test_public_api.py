"""The package's public API, imported lazily: every name in ``__all__`` resolves to its defining submodule."""
# pylint: disable=exec-used  # the import statements under test are run as written

import pytest

import toggles_migration
from toggles_migration import capabilities, notices, reads, retirements, settings_shim

DEFINED_IN = {
    "MANAGED_OPTIONS": retirements,
    "RETIREMENTS": retirements,
    "SHOW_REVIEW_RULES_FLAG": reads,  # toggles-migration: ignore
    "InvalidProctoringBackends": notices,
    "InvalidTogglesMigration": notices,
    "RetiredCourseWaffleFlag": reads,
    "RetiredToggleRead": reads,
    "RetiredToggleWarning": reads,
    "apply_settings_shim": settings_shim,
    "effective_backends": settings_shim,
    "normalise_proctoring_backends": settings_shim,
    "requires_escalation_email": capabilities,
    "requires_escalation_email_providers": capabilities,
    "show_review_rules": capabilities,
}


def test_all_lists_the_public_names():
    assert sorted(toggles_migration.__all__) == sorted(DEFINED_IN)


@pytest.mark.parametrize("name", sorted(DEFINED_IN))
def test_each_public_name_is_the_object_its_submodule_defines(name):
    namespace = {}
    exec(f"from toggles_migration import {name}", namespace)
    assert namespace[name] is getattr(DEFINED_IN[name], name)


def test_star_import_gives_every_public_name():
    namespace = {}
    exec("from toggles_migration import *", namespace)
    assert sorted(set(namespace) - {"__builtins__"}) == sorted(DEFINED_IN)


def test_dir_lists_the_public_names():
    assert set(DEFINED_IN) <= set(dir(toggles_migration))


def test_an_unknown_name_raises_attribute_error():
    with pytest.raises(AttributeError) as raised:
        toggles_migration.show_review_rule  # noqa: B018  # pylint: disable=pointless-statement  # the access under test
    assert str(raised.value) == "module 'toggles_migration' has no attribute 'show_review_rule'"
