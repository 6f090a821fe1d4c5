"""The Django admin: captures read-only, and a notice on the rows of retired toggles in waffle's admins."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.contrib import admin, messages
from django.db import DEFAULT_DB_ALIAS
from django.db.models import Model
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html, format_html_join

from .checks.notices import SettingError
from .models import Capture, CapturedRow, PlanPiece
from .retirements import declared_names, get_retirement
from .settings.authority import effective_backends
from .settings.config import read_settings
from .state import stored_plan
from .state.capture import verify
from .state.context import make_context

# (app label, model name, the field naming the toggle) of the admins that show rows of retired toggles.
FLAG_ADMINS = (
    ("waffle", "Flag", "name"),
    ("waffle_utils", "WaffleFlagCourseOverrideModel", "waffle_flag"),
    ("waffle_utils", "WaffleFlagOrgOverrideModel", "waffle_flag"),
)
NOTICE = (
    "Retired toggle: edx-platform no longer reads {toggle}. Its replacement is "
    "PROCTORING_BACKENDS[<backend>]['{option}']; `manage.py cms retire_toggle plan` shows what its stored rows "
    "map to."
)
STALE = (
    "The capture of {toggle} is now stale: it no longer holds this change, so a prune would refuse and a restore "
    "would bring back the old rows. Run `manage.py cms retire_toggle capture --refresh` after reviewing "
    "`retire_toggle plan`."
)
INVALID_SETTINGS = '{error} Until it is fixed, "Settings agree" is unknown (shown as a question mark).'

# Django's admin classes are generic only in django-stubs: subscripting them at run time needs django-stubs-ext.
if TYPE_CHECKING:
    _CapturedRowInline = admin.TabularInline[CapturedRow, Capture]
    _CaptureAdmin = admin.ModelAdmin[Capture]
    # What the notice mixin extends: any app's ModelAdmin, known only at run time (see add_retired_notices).
    _AnyModelAdmin = admin.ModelAdmin[Any]
else:
    _CapturedRowInline = admin.TabularInline
    _CaptureAdmin = admin.ModelAdmin
    _AnyModelAdmin = object


class _ReadOnly:
    """Refuse adding, changing and deleting: captures are written by migration 0002 and ``retire_toggle`` only."""

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:  # pylint: disable=unused-argument
        """Refuse; a capture is also the only copy of pruned rows."""
        return False

    has_change_permission = has_delete_permission = has_add_permission


class CapturedRowInline(_ReadOnly, _CapturedRowInline):
    """The captured rows of a capture, read-only."""

    model = CapturedRow
    fields = ("table", "row_id", "data")
    readonly_fields = fields
    extra = 0


@admin.register(Capture)
class CaptureAdmin(_ReadOnly, _CaptureAdmin):
    """Each retirement's capture: the decision, whether today's settings agree, the exceptions and the rows."""

    list_display = ("toggle", "captured_at", "decision_status", "decision_value", "settings_agree", "state")
    fields = (
        "toggle",
        "state",
        "captured_at",
        "pruned_at",
        "decision_value",
        "decision_status",
        "settings_agree",
        "row_count",
        "exceptions",
    )
    readonly_fields = fields
    inlines = (CapturedRowInline,)

    def changelist_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """List the captures; say so above the list when the running settings cannot be read."""
        _report_invalid_settings(request)
        return super().changelist_view(request, *args, **kwargs)

    def change_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """Show a capture; say so above it when the running settings cannot be read."""
        if request.method == "GET":
            _report_invalid_settings(request)
        return super().change_view(request, *args, **kwargs)

    @admin.display(description="Settings agree", boolean=True)
    def settings_agree(self, capture: Capture) -> bool | None:
        """
        Whether the running PROCTORING_BACKENDS agrees with the captured decision (``retire_toggle verify``).

        None (unknown) while PROCTORING_BACKENDS or TOGGLES_MIGRATION cannot be read: the page says why.
        """
        try:
            ctx = make_context(apps, capture.toggle, using=capture._state.db or DEFAULT_DB_ALIAS)
            return verify(ctx).agrees is True
        except SettingError:
            return None

    @admin.display(description="Exceptions")
    def exceptions(self, capture: Capture) -> str:
        """List the courses (or overrides) whose legacy value differs from the decision."""
        found = stored_plan.read_list(
            PlanPiece.objects.db_manager(capture._state.db or DEFAULT_DB_ALIAS), capture, "exceptions"
        )
        if not found:
            return "None: every known course keeps its behaviour."
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li>{} {}: legacy value {}</li>",
                ((item["scope"], item["key"], item["legacy_value"]) for item in found),
            ),
        )


def _report_invalid_settings(request: HttpRequest) -> None:
    """Add an error message naming the setting when the running settings cannot be read (changed at run time)."""
    try:
        read_settings()
        effective_backends()
    except SettingError as error:
        messages.error(request, INVALID_SETTINGS.format(error=error))


class RetiredToggleNoticeMixin(_AnyModelAdmin):
    """Marks the rows of retired toggles in another app's ModelAdmin, and warns when one is saved."""

    toggle_field = ""

    def _retired(self, obj: Model | None) -> bool:
        return obj is not None and getattr(obj, self.toggle_field, None) in declared_names()

    def get_list_display(self, request: HttpRequest) -> tuple[Any, ...]:
        """Add the notice column."""
        return (*super().get_list_display(request), "retired_toggle_notice")

    @admin.display(description="Retired")
    def retired_toggle_notice(self, obj: Model) -> str:
        """Show a visible notice on the rows of a retired toggle; nothing on the others."""
        if not self._retired(obj):
            return ""
        name = getattr(obj, self.toggle_field)
        return format_html('<strong title="{}">Retired: see retire_toggle plan</strong>', self._notice(name))

    def _notice(self, name: str) -> str:
        return NOTICE.format(toggle=name, option=get_retirement(name).option.name)

    def change_view(self, request: HttpRequest, object_id: str, *args: Any, **kwargs: Any) -> HttpResponse:
        """Show the notice on the change form of a retired toggle's row."""
        obj = self.get_object(request, object_id) if object_id else None
        if self._retired(obj) and request.method == "GET":
            messages.warning(request, self._notice(getattr(obj, self.toggle_field)))
        return super().change_view(request, object_id, *args, **kwargs)

    def save_model(self, request: HttpRequest, obj: Model, form: ModelForm[Any], change: bool) -> None:
        """Save, then warn when the change makes a capture stale."""
        super().save_model(request, obj, form, change)
        self._warn_if_captured(request, obj)

    def delete_model(self, request: HttpRequest, obj: Model) -> None:
        """Delete, then warn when the change makes a capture stale."""
        super().delete_model(request, obj)
        self._warn_if_captured(request, obj)

    def _warn_if_captured(self, request: HttpRequest, obj: Model) -> None:
        if not self._retired(obj):
            return
        name = getattr(obj, self.toggle_field)
        if Capture.objects.using(obj._state.db or "default").filter(toggle=name, state=Capture.CAPTURED).exists():
            messages.warning(request, STALE.format(toggle=name))


def add_retired_notices(site: admin.AdminSite = admin.site) -> None:
    """
    Subclass the ModelAdmins registered for the flag and override models to carry the retired-toggle notice.

    Models whose app is absent or whose admin is not registered are left alone: nothing is registered for them.
    """
    for app_label, model_name, toggle_field in FLAG_ADMINS:
        try:
            model = apps.get_model(app_label, model_name)
        except LookupError:
            continue
        if not site.is_registered(model):
            continue
        current = type(site._registry[model])  # pylint: disable=protected-access  # Django 4.2 lacks get_model_admin()
        if issubclass(current, RetiredToggleNoticeMixin):
            continue
        noticed = type(
            f"RetiredNotice{current.__name__}",
            (RetiredToggleNoticeMixin, current),
            {"toggle_field": toggle_field, "__module__": __name__},
        )
        site.unregister(model)
        site.register(model, noticed)


add_retired_notices()
