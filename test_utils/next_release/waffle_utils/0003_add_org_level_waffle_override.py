"""As shipped today."""

from test_utils.next_release import shipped

Migration = shipped("waffle_utils", "0003_add_org_level_waffle_override")
