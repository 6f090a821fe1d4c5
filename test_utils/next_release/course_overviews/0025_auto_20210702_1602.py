"""As shipped today."""

from test_utils.next_release import shipped

Migration = shipped("course_overviews", "0025_auto_20210702_1602")
