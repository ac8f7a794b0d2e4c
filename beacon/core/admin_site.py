"""Beacon's admin site at /admin/: configuration screens for administrators.

Who may enter:
- users with the admin role: everything registered here;
- auditors: the audit log only, read-only (their job is reading it; filters and search in the
  admin changelist are the quickest way to do that);
- everyone else (customers, agents, leads): not at all. Signed-out visitors are sent to the
  normal sign-in page; signed-in users without access get a 403.

Changes made here are recorded in the audit log (AdminAuditMixin), like every other change.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.forms import Form
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from beacon.accounts.models import Role, User
from beacon.audit.services import audit_record

ADMIN_ROLES = frozenset({Role.ADMIN, Role.AUDITOR})


def _user(request: HttpRequest) -> User | None:
    user = request.user
    if isinstance(user, User) and user.is_active:
        return user
    return None


def is_admin(request: HttpRequest) -> bool:
    user = _user(request)
    return user is not None and user.role == Role.ADMIN


def is_auditor_or_admin(request: HttpRequest) -> bool:
    user = _user(request)
    return user is not None and user.role in ADMIN_ROLES


class BeaconAdminSite(admin.AdminSite):
    site_header = _("Beacon administration")
    site_title = _("Beacon admin")
    index_title = _("Configuration")
    site_url = "/console/"
    enable_nav_sidebar = False

    def has_permission(self, request: HttpRequest) -> bool:
        return is_auditor_or_admin(request)

    def login(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """One sign-in page for the whole product (it has the rate limits); no second admin login form."""
        index_url = reverse("admin:index", current_app=self.name)
        if request.user.is_authenticated:
            if self.has_permission(request):
                return HttpResponseRedirect(index_url)
            raise PermissionDenied
        next_url = request.GET.get("next", "")
        if not url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}
        ):
            next_url = index_url
        return redirect_to_login(next_url, reverse("accounts:login"))


admin_site = BeaconAdminSite(name="admin")


class AdminRoleOnly(admin.ModelAdmin):  # type: ignore[type-arg]  # generic only in django-stubs
    """Only the admin role sees or edits these models (Django's per-model permissions are not used)."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_admin(request)

    def has_view_permission(
        self, request: HttpRequest, obj: Model | None = None
    ) -> bool:
        return is_admin(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_admin(request)

    def has_change_permission(
        self, request: HttpRequest, obj: Model | None = None
    ) -> bool:
        return is_admin(request)

    def has_delete_permission(
        self, request: HttpRequest, obj: Model | None = None
    ) -> bool:
        return is_admin(request)


class AdminAuditMixin(admin.ModelAdmin):  # type: ignore[type-arg]  # generic only in django-stubs
    """Writes an audit event for every add, change and delete made in the admin."""

    def _audit(
        self,
        request: HttpRequest,
        obj: Model,
        verb: str,
        fields: list[str] | None = None,
    ) -> None:
        actor = _user(request)
        data: dict[str, Any] = {"object": str(obj)[:200]}
        if fields:
            data["fields"] = sorted(fields)
        audit_record(
            actor=actor,
            action=f"admin.{obj._meta.model_name}.{verb}",
            target_type=str(obj._meta.model_name),
            target_id=str(obj.pk),
            data=data,
            ip_address=request.META.get("REMOTE_ADDR") or None,
        )

    def save_model(
        self,
        request: HttpRequest,
        obj: Any,
        form: Form,
        change: bool,  # noqa: FBT001 (Django's signature)
    ) -> None:
        super().save_model(request, obj, form, change)
        self._audit(
            request, obj, "change" if change else "create", list(form.changed_data)
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self._audit(request, obj, "delete")
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            self._audit(request, obj, "delete")
        super().delete_queryset(request, queryset)
