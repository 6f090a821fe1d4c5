"""The override admins, as edx-platform registers them (KeyedConfigurationModelAdmin there)."""

from django.contrib import admin

from .models import WaffleFlagCourseOverrideModel, WaffleFlagOrgOverrideModel


@admin.register(WaffleFlagCourseOverrideModel)
class WaffleFlagCourseOverrideAdmin(admin.ModelAdmin):
    """Course overrides of waffle flags, searchable by course id and flag."""

    search_fields = ["waffle_flag", "course_id"]
    list_display = ("waffle_flag", "course_id", "override_choice", "enabled", "change_date")
    fieldsets = ((None, {"fields": ("waffle_flag", "course_id", "note", "override_choice", "enabled")}),)


@admin.register(WaffleFlagOrgOverrideModel)
class WaffleFlagOrgOverrideAdmin(admin.ModelAdmin):
    """Org overrides of waffle flags, searchable by org and flag."""

    search_fields = ["waffle_flag", "org"]
    list_display = ("waffle_flag", "org", "override_choice", "enabled", "change_date")
    fieldsets = ((None, {"fields": ("waffle_flag", "org", "note", "override_choice", "enabled")}),)
