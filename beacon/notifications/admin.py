"""Admin screens: the failed-work page (retry), the whole outbox, webhook endpoints and their log."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from beacon.accounts.models import User
from beacon.core.admin_site import AdminAuditMixin, AdminRoleOnly, admin_site
from beacon.notifications import services
from beacon.notifications.models import (
    Delivery,
    DeliveryStatus,
    FailedDelivery,
    WebhookDelivery,
    WebhookEndpoint,
)


class ReadOnlyAdmin(AdminRoleOnly):
    """Rows written by the system: admins read them (and act through actions), never edit."""

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


@admin.action(description=gettext_lazy("Retry now"))
def retry_deliveries(
    modeladmin: admin.ModelAdmin,  # type: ignore[type-arg]  # generic only in django-stubs
    request: HttpRequest,
    queryset: QuerySet[Delivery],
) -> None:
    assert isinstance(request.user, User)  # AdminRoleOnly let only admins in
    count = services.deliveries_retry(deliveries=queryset, actor=request.user)
    modeladmin.message_user(
        request,
        ngettext(
            "%(count)d delivery queued again.",
            "%(count)d deliveries queued again.",
            count,
        )
        % {"count": count},
        messages.SUCCESS,
    )


class DeliveryAdminBase(ReadOnlyAdmin):
    list_display = (
        "id",
        "kind",
        "template_key",
        "status",
        "attempts",
        "short_error",
        "next_attempt_at",
        "updated_at",
    )
    list_filter = ("status", "kind")
    search_fields = ("dedup_key", "template_key", "address")
    actions = (retry_deliveries,)
    list_per_page = 50
    list_select_related = ("recipient",)
    readonly_fields = (
        "dedup_key",
        "kind",
        "recipient",
        "address",
        "endpoint",
        "template_key",
        "language",
        "context",
        "status",
        "attempts",
        "last_error",
        "next_attempt_at",
        "locked_until",
        "sent_at",
        "created_at",
    )
    exclude = ("lock_token",)

    def has_change_permission(
        self, request: HttpRequest, obj: Model | None = None
    ) -> bool:
        # Actions need change permission in the changelist; the form itself stays read-only.
        return obj is None and super(ReadOnlyAdmin, self).has_change_permission(
            request, obj
        )

    @admin.display(description=gettext_lazy("last error"))
    def short_error(self, obj: Delivery) -> str:
        return obj.last_error[:120]


@admin.register(FailedDelivery, site=admin_site)
class FailedDeliveryAdmin(DeliveryAdminBase):
    """Failed work: rows that are waiting for a retry or gave up. Retry puts them back."""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Delivery]:
        return (
            super()
            .get_queryset(request)
            .filter(status__in=(DeliveryStatus.FAILED, DeliveryStatus.DEAD))
        )


@admin.register(Delivery, site=admin_site)
class DeliveryAdmin(DeliveryAdminBase):
    """The whole outbox."""


@admin.action(description=gettext_lazy("Enable again (resets the failure count)"))
def enable_endpoints(
    modeladmin: admin.ModelAdmin,  # type: ignore[type-arg]  # generic only in django-stubs
    request: HttpRequest,
    queryset: QuerySet[WebhookEndpoint],
) -> None:
    assert isinstance(request.user, User)
    for endpoint in queryset:
        services.webhook_endpoint_enable(endpoint=endpoint, actor=request.user)
    modeladmin.message_user(request, _("Endpoints enabled."), messages.SUCCESS)


@admin.register(WebhookEndpoint, site=admin_site)
class WebhookEndpointAdmin(AdminAuditMixin, AdminRoleOnly):
    list_display = ("name", "url", "active", "consecutive_failures", "disabled_at")
    list_filter = ("active",)
    readonly_fields = ("consecutive_failures", "disabled_at", "created_at")
    actions = (enable_endpoints,)


@admin.register(WebhookDelivery, site=admin_site)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "endpoint",
        "delivery",
        "attempt",
        "response_status",
        "duration_ms",
        "error",
        "created_at",
    )
    list_filter = ("endpoint",)
    list_select_related = ("endpoint", "delivery")
    list_per_page = 50
