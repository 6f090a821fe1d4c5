"""As shipped today."""

from test_utils.next_release import shipped

Migration = shipped("waffle_utils", "0001_initial")
