"""The declaration of the test-only retirement: everything the package knows about it."""

from toggles_migration.retirements import ManagedOption, Retirement

# Upstream's default shows what the made-up flag hid; the legacy backends keep it hidden until decided.
MADE_UP_OPTION = ManagedOption(
    name="made_up_option",
    legacy_spelling="MADE_UP_OPTION",
    upstream_default=True,
    legacy_value=False,
)

# No companion rule: nothing else travels with this retirement.
MADE_UP_RETIREMENT = Retirement(
    name="courseware.made_up_flag",
    option=MADE_UP_OPTION,
    legacy_default=False,
    module_name="lms.djangoapps.courseware.toggles",
    constant="MADE_UP_FLAG",
    log_prefix="Courseware: ",
    upstream_change="https://github.com/openedx/openedx-platform/pull/99999",
)

# What the app registers.
DECLARED = (MADE_UP_RETIREMENT,)
