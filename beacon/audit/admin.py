"""The audit log in the admin: read-only, for admins and auditors."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from beacon.audit.models import AuditEvent
from beacon.core.admin_site import admin_site, is_auditor_or_admin


@admin.register(AuditEvent, site=admin_site)
class AuditEventAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # generic only in django-stubs
    """Rows are append-only: nobody adds, changes or deletes them here, admins included."""

    list_display = (
        "created_at",
        "action",
        "actor",
        "target_type",
        "target_id",
        "ip_address",
    )
    list_filter = ("action", "target_type")
    list_select_related = ("actor",)
    search_fields = ("action", "target_id", "actor__email")
    date_hierarchy = "created_at"
    fields = (
        "created_at",
        "actor",
        "action",
        "target_type",
        "target_id",
        "ip_address",
        "data",
    )
    readonly_fields = fields
    actions = None
    # Counting millions of rows on every page load is the slow part of a big changelist.
    show_full_result_count = False

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_auditor_or_admin(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_auditor_or_admin(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
