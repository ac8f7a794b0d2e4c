"""Admin screens for SLA calendars and policies (admins only); targets are shown read-only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest
from django.utils.translation import gettext as _

from beacon.core.admin_site import AdminAuditMixin, AdminRoleOnly, admin_site, is_admin
from beacon.sla.clock import parse_weekly_hours, zone_named
from beacon.sla.models import (
    BusinessCalendar,
    CalendarHoliday,
    SlaPolicy,
    SlaTarget,
    TeamCalendar,
)


class BusinessCalendarForm(forms.ModelForm):  # type: ignore[type-arg]  # generic only in django-stubs
    class Meta:
        model = BusinessCalendar
        fields = ("name", "time_zone", "always_open", "weekly_hours", "is_default")

    def clean_time_zone(self) -> str:
        name = str(self.cleaned_data["time_zone"]).strip()
        try:
            zone_named(name)
        except ValueError as exc:
            raise forms.ValidationError(
                _(
                    "Unknown time zone. Use an IANA name such as Asia/Shanghai or Europe/Berlin."
                )
            ) from exc
        return name

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        if not cleaned.get("always_open"):
            try:
                hours = parse_weekly_hours(cleaned.get("weekly_hours") or {})
            except ValueError as exc:
                self.add_error("weekly_hours", str(exc))
            else:
                if not hours:
                    self.add_error(
                        "weekly_hours",
                        _(
                            'A calendar that is not 24/7 needs opening hours, e.g. {"mon": [["09:00", "18:00"]]}.'
                        ),
                    )
        return cleaned


class HolidayInline(admin.TabularInline):  # type: ignore[type-arg]  # generic only in django-stubs
    model = CalendarHoliday
    extra = 1

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_admin(request)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_admin(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_admin(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_admin(request)


@admin.register(BusinessCalendar, site=admin_site)
class BusinessCalendarAdmin(AdminAuditMixin, AdminRoleOnly):
    form = BusinessCalendarForm
    list_display = ("name", "time_zone", "always_open", "is_default")
    inlines = (HolidayInline,)


@admin.register(TeamCalendar, site=admin_site)
class TeamCalendarAdmin(AdminAuditMixin, AdminRoleOnly):
    list_display = ("team", "calendar")
    list_select_related = ("team", "calendar")


@admin.register(SlaPolicy, site=admin_site)
class SlaPolicyAdmin(AdminAuditMixin, AdminRoleOnly):
    list_display = (
        "position",
        "name",
        "priority",
        "vip_tier_min",
        "category",
        "first_response_minutes",
        "next_response_minutes",
        "resolution_minutes",
        "is_active",
    )
    list_display_links = ("name",)
    list_editable = ("position", "is_active")
    list_select_related = ("category",)
    list_filter = ("is_active", "priority")


@admin.register(SlaTarget, site=admin_site)
class SlaTargetAdmin(AdminRoleOnly):
    """Targets are kept by the SLA services; the admin only reads them (for support questions)."""

    list_display = (
        "ticket",
        "metric",
        "due_at",
        "paused_since",
        "fulfilled_at",
        "warned_at",
        "breached_at",
    )
    list_filter = ("metric",)
    list_select_related = ("ticket",)
    search_fields = ("ticket__reference",)
    readonly_fields = (
        "ticket",
        "metric",
        "policy",
        "target_minutes",
        "started_at",
        "warn_at",
        "due_at",
        "paused_since",
        "paused_seconds",
        "fulfilled_at",
        "warned_at",
        "breached_at",
    )
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: Model | None = None
    ) -> bool:
        return False

    def has_delete_permission(
        self, request: HttpRequest, obj: Model | None = None
    ) -> bool:
        return False
