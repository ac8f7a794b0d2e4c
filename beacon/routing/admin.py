"""Admin screens: routing rules, team assignment settings, presence, on-call shifts and pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from beacon.core.admin_site import AdminAuditMixin, AdminRoleOnly, admin_site
from beacon.routing.models import (
    AgentPresence,
    OnCall,
    OnCallPage,
    RoutingRule,
    TeamRouting,
)
from beacon.tickets.services import TAG_RE


class RoutingRuleAdminForm(forms.ModelForm):  # type: ignore[type-arg]  # generic only in django-stubs
    class Meta:
        model = RoutingRule
        fields = (
            "name",
            "position",
            "is_active",
            "categories",
            "channel",
            "language",
            "vip_tier_min",
            "kyc_level_min",
            "kyc_level_max",
            "keywords",
            "intent",
            "urgency_min",
            "sentiment",
            "set_team",
            "set_priority",
            "add_tags",
            "sla_policy",
            "stop_processing",
        )
        help_texts = {
            "add_tags": gettext_lazy(
                'A JSON list of tag names, e.g. ["vip", "withdrawal"].'
            ),
            "intent": gettext_lazy("Set by triage; empty matches any ticket."),
        }

    def clean_add_tags(self) -> list[str]:
        value: Any = self.cleaned_data.get("add_tags") or []
        if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
            raise forms.ValidationError(_("Enter a JSON list of tag names."))
        tags = [t.strip().lower() for t in value if t.strip()]
        bad = [t for t in tags if not TAG_RE.match(t)]
        if bad:
            raise forms.ValidationError(
                _(
                    "Tags use letters, digits, '.', ':', '-' and '_' (at most 50 characters)."
                )
            )
        return tags

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        low, high = data.get("kyc_level_min"), data.get("kyc_level_max")
        if low is not None and high is not None and low > high:
            self.add_error(
                "kyc_level_max", _("Must not be below the minimum KYC level.")
            )
        return data


@admin.register(RoutingRule, site=admin_site)
class RoutingRuleAdmin(AdminAuditMixin, AdminRoleOnly):
    form = RoutingRuleAdminForm
    list_display = (
        "position",
        "name",
        "is_active",
        "set_team",
        "set_priority",
        "stop_processing",
    )
    list_display_links = ("name",)
    list_editable = ("position", "is_active")
    list_filter = ("is_active", "set_team")
    list_select_related = ("set_team",)
    search_fields = ("name", "keywords")
    filter_horizontal = ("categories",)
    ordering = ("position", "id")


@admin.register(TeamRouting, site=admin_site)
class TeamRoutingAdmin(AdminAuditMixin, AdminRoleOnly):
    list_display = ("team", "strategy", "auto_assign")
    list_select_related = ("team",)


@admin.register(AgentPresence, site=admin_site)
class AgentPresenceAdmin(AdminAuditMixin, AdminRoleOnly):
    list_display = ("user", "status", "capacity", "last_seen", "last_assigned_at")
    list_filter = ("status",)
    list_select_related = ("user",)
    search_fields = ("user__email", "user__display_name")
    readonly_fields = ("last_seen", "last_assigned_at")
    raw_id_fields = ("user",)


@admin.register(OnCall, site=admin_site)
class OnCallAdmin(AdminAuditMixin, AdminRoleOnly):
    list_display = ("team", "user", "starts_at", "ends_at")
    list_filter = ("team",)
    list_select_related = ("team", "user")
    raw_id_fields = ("user",)


@admin.register(OnCallPage, site=admin_site)
class OnCallPageAdmin(AdminRoleOnly):
    """Read-only: pages are written by routing; admins see failed ones here."""

    list_display = (
        "ticket",
        "user",
        "team",
        "status",
        "attempts",
        "created_at",
        "sent_at",
    )
    list_filter = ("status", "team")
    list_select_related = ("ticket", "user", "team")
    readonly_fields = (
        "ticket",
        "team",
        "user",
        "status",
        "attempts",
        "last_error",
        "next_attempt_at",
        "created_at",
        "sent_at",
        "acknowledged_at",
    )

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
