"""The Django admin: captures are read-only, and the rows of retired toggles carry a notice."""
# pylint: disable=protected-access  # white-box tests of the admin site's registry (Django 4.2 lacks get_model_admin)

import ddt
import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import TestCase, override_settings
from django.urls import reverse
from waffle.admin import FlagAdmin
from waffle.models import Flag

from test_utils.waffle_utils.models import WaffleFlagCourseOverrideModel, WaffleFlagOrgOverrideModel
from tests import factories as f
from toggles_migration.admin import RetiredToggleNoticeMixin, add_retired_notices
from toggles_migration.models import Capture
from toggles_migration.state import capture, context

User = get_user_model()

NOTICE = "Retired toggle: edx-platform no longer reads studio.show_review_rules."
STALE = "The capture of studio.show_review_rules is now stale"
INVALID_SETTINGS_END = 'Until it is fixed, "Settings agree" is unknown (shown as a question mark).'


class AdminTestCase(TestCase):
    """Signed in as a superuser, with the flag captured."""

    def setUp(self):
        f.forget_captures()
        self.staff = User.objects.create_superuser("admin", "admin@example.com", "pw")
        self.client.force_login(self.staff)

    def capture(self):
        """Capture the flag's current rows; return the Capture."""
        capture.capture(f.context())
        return context.get_capture(f.context())


class CaptureAdminTest(AdminTestCase):
    """Read-only captures: list, detail, and no add, change or delete."""

    @override_settings(PROCTORING_BACKENDS=f.PROCTORTRACK_TRUE)
    def test_list_shows_toggle_status_decision_agreement_and_state(self):
        f.flag(everyone=False)
        self.capture()
        page = self.client.get(reverse("admin:toggles_migration_capture_changelist"))
        assert page.status_code == 200
        text = page.content.decode()
        for column in ("Toggle", "Captured at", "Decision status", "Decision value", "Settings agree", "State"):
            assert column in text
        assert "studio.show_review_rules" in text
        assert 'alt="False"' in text  # the settings (True) disagree with the decision (False)

    def test_detail_shows_the_exceptions_and_the_captured_rows(self):
        f.flag(everyone=False)
        f.course("course-v1:edX+Demo+1")
        f.course("course-v1:edX+Other+1")
        f.course("course-v1:edX+Third+1")
        f.course_override("course-v1:edX+Demo+1", "on")
        header = self.capture()
        page = self.client.get(reverse("admin:toggles_migration_capture_change", args=[header.pk]))
        assert page.status_code == 200
        text = page.content.decode()
        assert "<li>course course-v1:edX+Demo+1: legacy value True</li>" in text
        assert "waffle_utils_waffleflagcourseoverridemodel" in text
        assert "waffle_flag" in text

    def test_captures_cannot_be_added(self):
        assert self.client.get(reverse("admin:toggles_migration_capture_add")).status_code == 403

    def test_captures_cannot_be_changed(self):
        header = self.capture()
        url = reverse("admin:toggles_migration_capture_change", args=[header.pk])
        self.client.post(url, {"toggle": "other", "state": "pruned"})
        header.refresh_from_db()
        assert (header.toggle, header.state) == ("studio.show_review_rules", "captured")
        assert 'type="submit"' not in self.client.get(url).content.decode().split('id="content-main"')[1]

    def test_captures_cannot_be_deleted(self):
        header = self.capture()
        url = reverse("admin:toggles_migration_capture_delete", args=[header.pk])
        assert self.client.post(url, {"post": "yes"}).status_code == 403
        assert Capture.objects.filter(pk=header.pk).exists()


@ddt.ddt
class CaptureAdminInvalidSettingsTest(AdminTestCase):
    """Settings made invalid at run time: the captures pages still render, say why, and the agreement is unknown."""

    @ddt.data(
        (
            {"PROCTORING_BACKENDS": ["proctortrack"]},
            "PROCTORING_BACKENDS must be a dict, found list. Fix: set PROCTORING_BACKENDS = "
            "{'DEFAULT': '<backend>', '<backend>': {...}}.",
        ),
        (
            {"TOGGLES_MIGRATION": ["proctortrack"]},
            "TOGGLES_MIGRATION must be a dict, found list. Fix: set TOGGLES_MIGRATION = "
            "{'LEGACY_BACKENDS': ['proctortrack']}, or remove it to use the defaults.",
        ),
    )
    @ddt.unpack
    def test_list_and_detail_render_with_a_message_naming_the_setting(self, invalid, problem):
        f.flag(everyone=False)
        with override_settings(PROCTORING_BACKENDS=f.PROCTORTRACK_TRUE):
            header = self.capture()
        with override_settings(**invalid):
            pages = [
                self.client.get(reverse("admin:toggles_migration_capture_changelist")),
                self.client.get(reverse("admin:toggles_migration_capture_change", args=[header.pk])),
            ]
        for page in pages:
            assert page.status_code == 200
            assert [str(message) for message in page.context["messages"]] == [f"{problem} {INVALID_SETTINGS_END}"]
        assert 'alt="None"' in pages[0].content.decode()

    def test_valid_settings_add_no_message(self):
        f.flag(everyone=False)
        self.capture()
        page = self.client.get(reverse("admin:toggles_migration_capture_changelist"))
        assert not list(page.context["messages"])


class RetiredNoticeTest(AdminTestCase):
    """The flag and override admins of other apps mark the retired toggle's rows."""

    def test_flag_changelist_marks_only_the_retired_flag(self):
        f.flag(everyone=False)
        f.flag(name=f.OTHER, everyone=True)
        text = self.client.get(reverse("admin:waffle_flag_changelist")).content.decode()
        assert text.count("Retired: see retire_toggle plan") == 1

    def test_course_override_changelist_marks_the_retired_rows(self):
        f.course_override("course-v1:edX+Demo+1")
        f.course_override("course-v1:edX+Demo+1", name=f.OTHER)
        text = self.client.get(reverse("admin:waffle_utils_waffleflagcourseoverridemodel_changelist")).content.decode()
        assert text.count("Retired: see retire_toggle plan") == 1

    def test_org_override_change_form_shows_the_notice(self):
        row = f.org_override("edX")
        url = reverse("admin:waffle_utils_waffleflagorgoverridemodel_change", args=[row.pk])
        assert NOTICE in self.client.get(url).content.decode()

    def test_other_flags_change_form_has_no_notice(self):
        other = f.flag(name=f.OTHER, everyone=True)
        page = self.client.get(reverse("admin:waffle_flag_change", args=[other.pk]))
        assert page.status_code == 200
        assert "Retired toggle" not in page.content.decode()

    def test_saving_a_retired_row_warns_that_the_capture_is_stale(self):
        row = f.course_override("course-v1:edX+Demo+1", "on")
        self.capture()
        url = reverse("admin:waffle_utils_waffleflagcourseoverridemodel_change", args=[row.pk])
        data = {"waffle_flag": f.NAME, "course_id": "course-v1:edX+Demo+1", "note": "", "override_choice": "off"}
        page = self.client.post(url, {**data, "enabled": "on"}, follow=True)
        assert page.status_code == 200
        assert STALE in page.content.decode()
        assert "retire_toggle capture --refresh" in page.content.decode()

    def test_saving_without_a_capture_does_not_warn(self):
        row = f.org_override("edX")
        url = reverse("admin:waffle_utils_waffleflagorgoverridemodel_change", args=[row.pk])
        data = {"waffle_flag": f.NAME, "org": "edX", "note": "x", "override_choice": "off", "enabled": "on"}
        page = self.client.post(url, data, follow=True)
        assert page.status_code == 200
        assert WaffleFlagOrgOverrideModel.objects.get(pk=row.pk).note == "x"
        assert STALE not in page.content.decode()


class RegistrationTest(TestCase):
    """Other apps' admins are extended when registered, and never registered by us when they are not."""

    def test_registered_admins_keep_their_class_behaviour(self):
        registered = admin.site._registry[Flag]
        assert isinstance(registered, FlagAdmin)
        assert isinstance(registered, RetiredToggleNoticeMixin)
        assert registered.ordering == ("-id",)

    def test_unregistered_models_are_left_alone(self):
        site = admin.AdminSite(name="bare")
        add_retired_notices(site)
        assert not site.is_registered(Flag)
        assert not site.is_registered(WaffleFlagCourseOverrideModel)

    def test_adding_the_notices_twice_changes_nothing(self):
        before = type(admin.site._registry[WaffleFlagOrgOverrideModel])
        add_retired_notices()
        assert type(admin.site._registry[WaffleFlagOrgOverrideModel]) is before  # pylint: disable=unidiomatic-typecheck


@pytest.mark.parametrize(
    "name", ["admin:waffle_flag_changelist", "admin:toggles_migration_capture_changelist", "admin:index"]
)
def test_pages_render(admin_client, name):
    assert admin_client.get(reverse(name)).status_code == 200
