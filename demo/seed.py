"""Seed the demo database with a realistic stored state of studio.show_review_rules."""

from datetime import UTC, datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import connection
from waffle.models import Flag

from test_utils.course_overviews.models import CourseOverview
from test_utils.waffle_utils.models import WaffleFlagCourseOverrideModel, WaffleFlagOrgOverrideModel

User = get_user_model()

FLAG = "studio.show_review_rules"
START = datetime(2023, 9, 1, 12, 0, tzinfo=UTC)

# (course id, provider, proctored, escalation email)
COURSES = [
    ("course-v1:HarvardX+Law101+2024", "proctortrack", True, "exams@harvardx.example.com"),
    ("course-v1:HarvardX+Law102+2024", "proctortrack", True, ""),
    ("course-v1:MITx+6.001+2024", "proctortrack", True, "proctoring@mitx.example.com"),
    ("course-v1:MITx+6.002+2024", "proctortrack", True, "proctoring@mitx.example.com"),
    ("course-v1:MITx+18.01+2024", "proctortrack", True, None),
    ("course-v1:edX+DemoX+Demo_Course", None, True, "support@example.com"),  # NULL provider: DEFAULT
    ("course-v1:edX+Proctored+2025", "proctortrack", True, "support@example.com"),
    ("course-v1:UQx+Think101+2024", "proctortrack", True, ""),
    ("course-v1:UQx+Think102+2024", "proctortrack", True, "exams@uqx.example.com"),
    ("course-v1:UQx+Verified+2024", "software_secure", True, ""),
    ("course-v1:UQx+Open+2024", "proctortrack", False, ""),  # proctoring off: never showed the field
    ("course-v1:edX+Null+2024", "null", True, ""),
]


def seed():
    """Create the flag, its override history and a dozen courses, as an upgraded site would hold them."""
    author = User.objects.create_user("staff", "staff@example.com", is_staff=True)
    Flag.objects.create(name=FLAG, everyone=False, note="Off globally; on per course since 2019")
    Flag.objects.create(name="studio.other_flag", everyone=True)
    for course_id, provider, proctored, email in COURSES:
        CourseOverview.objects.create(
            version=19,
            id=course_id,
            org=course_id.split(":")[1].split("+")[0],
            display_name=course_id,
            enable_proctored_exams=proctored,
            proctoring_provider=provider,
            proctoring_escalation_email=email,
        )
    history = [
        # (course id, choice, enabled, days after START)
        ("course-v1:MITx+6.001+2024", "on", True, 1),
        ("course-v1:MITx+6.002+2024", "on", True, 2),
        ("course-v1:mitx+18.01+2024", "on", True, 3),  # another case: MySQL matched it all the same
        ("course-v1:edX+Proctored+2025", "off", True, 4),
        ("course-v1:edX+Proctored+2025", "on", True, 5),  # newest wins: on
        ("course-v1:UQx+Think101+2024", "on", True, 6),
        ("course-v1:UQx+Think101+2024", "on", False, 7),  # disabled newest row shadows the older one
        ("course-v1:edX+DemoX+Demo_Course", "on", True, 8),
    ]
    for course_id, choice, enabled, days in history:
        row = WaffleFlagCourseOverrideModel.objects.create(
            waffle_flag=FLAG, course_id=course_id, override_choice=choice, enabled=enabled, changed_by=author
        )
        WaffleFlagCourseOverrideModel.objects.filter(pk=row.pk).update(change_date=START + timedelta(days=days))
    org = WaffleFlagOrgOverrideModel.objects.create(
        waffle_flag=FLAG, org="HarvardX", override_choice="on", enabled=True, changed_by=author
    )
    WaffleFlagOrgOverrideModel.objects.filter(pk=org.pk).update(change_date=START + timedelta(days=9))
    # A row whose course id no longer parses (hand-edited in the admin years ago).
    broken = WaffleFlagCourseOverrideModel.objects.create(
        waffle_flag=FLAG, course_id="course-v1:MITx+6.003+2024", override_choice="on", enabled=True
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE waffle_utils_waffleflagcourseoverridemodel SET course_id = %s WHERE id = %s",
            ["MITx 6.003 spring", broken.pk],
        )
