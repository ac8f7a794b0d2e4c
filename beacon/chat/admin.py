"""Admin screens: guided flows (editable JSON steps) and chat suspensions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin

from beacon.chat.flows import ACTIONS, validate_steps
from beacon.chat.models import ChatSuspension, Flow
from beacon.core.admin_site import AdminAuditMixin, AdminRoleOnly, admin_site


class FlowAdminForm(forms.ModelForm):  # type: ignore[type-arg]  # generic only in django-stubs
    class Meta:
        model = Flow
        fields = (
            "name_en",
            "name_zh",
            "slug",
            "is_active",
            "position",
            "intent",
            "keywords",
            "steps",
            "action",
            "team",
            "category_slug",
        )

    def clean_steps(self) -> Any:
        steps = self.cleaned_data.get("steps")
        problems = validate_steps(steps)
        if problems:
            raise forms.ValidationError(problems)
        return steps

    def clean_action(self) -> str:
        action = str(self.cleaned_data.get("action", ""))
        if action not in ACTIONS:
            raise forms.ValidationError(", ".join(ACTIONS))
        return action


@admin.register(Flow, site=admin_site)
class FlowAdmin(AdminAuditMixin, AdminRoleOnly):
    form = FlowAdminForm
    list_display = ("name_en", "slug", "is_active", "action", "team", "position")
    list_filter = ("is_active", "action")
    search_fields = ("name_en", "name_zh", "slug", "keywords")


@admin.register(ChatSuspension, site=admin_site)
class ChatSuspensionAdmin(AdminAuditMixin, AdminRoleOnly):
    list_display = ("customer", "guest_key", "until", "created_by", "reason")
    readonly_fields = ("created_by", "created_at")
    search_fields = ("customer__email", "reason")

    def save_model(
        self,
        request: Any,
        obj: ChatSuspension,
        form: Any,
        change: bool,  # noqa: FBT001  # Django calls it positionally
    ) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
