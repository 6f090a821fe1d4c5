"""The managed options as the declarations give them, for the tests that list every option."""

from toggles_migration.retirements import managed_options


def upstream_defaults(**values):
    """Every declared option at its upstream default, then ``values``: what a backend that is not legacy gets."""
    return {**{option.name: option.upstream_default for option in managed_options()}, **values}


def legacy_values(**values):
    """Every declared option at its legacy value, then ``values``: what the shim gives a legacy backend left unset."""
    return {**{option.name: option.legacy_value for option in managed_options()}, **values}


def option_names():
    """The names of every declared option, in their order."""
    return [option.name for option in managed_options()]


def legacy_sources(**values):
    """{option: (value, source)} of a legacy backend whose options the legacy rule gave, then ``values``."""
    return {**{option.name: (option.legacy_value, "legacy-rule") for option in managed_options()}, **values}
