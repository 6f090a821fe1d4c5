"""As shipped today."""

from test_utils.next_release import shipped

Migration = shipped("course_overviews", "0001_initial")
