"""The public API: every name in ``__all__`` resolves, and each declared retirement's drop-in flag is public."""
# pylint: disable=exec-used  # the import statements under test are run as written

import pytest

import toggles_migration
from toggles_migration.reads import RetiredCourseWaffleFlag, drop_in_flag
from toggles_migration.retirements import declared, managed_options


@pytest.mark.parametrize("name", toggles_migration.__all__)
def test_each_public_name_imports(name):
    namespace = {}
    exec(f"from toggles_migration import {name}", namespace)
    assert namespace[name] is getattr(toggles_migration, name)


def test_star_import_gives_exactly_the_public_names():
    namespace = {}
    exec("from toggles_migration import *", namespace)
    assert sorted(set(namespace) - {"__builtins__"}) == sorted(toggles_migration.__all__)


@pytest.mark.parametrize("retirement", declared(), ids=lambda retirement: retirement.constant)
def test_each_declared_retirement_has_one_drop_in_flag(retirement):
    flag = drop_in_flag(retirement)
    assert isinstance(flag, RetiredCourseWaffleFlag)
    assert flag is drop_in_flag(retirement)
    assert flag.name == retirement.name


def test_the_packages_own_drop_in_flag_is_public_under_upstreams_constant():
    assert toggles_migration.SHOW_REVIEW_RULES_FLAG is drop_in_flag(  # toggles-migration: ignore
        toggles_migration.RETIREMENTS[0]
    )


def test_managed_options_are_the_declared_ones_read_now():
    assert managed_options() == toggles_migration.MANAGED_OPTIONS
    assert tuple(toggles_migration.MANAGED_OPTIONS) == managed_options()


def test_an_unknown_name_raises_attribute_error():
    with pytest.raises(AttributeError) as raised:
        toggles_migration.show_review_rule  # noqa: B018  # pylint: disable=pointless-statement,no-member  # the access under test
    assert str(raised.value) == "module 'toggles_migration' has no attribute 'show_review_rule'"
