"""Admin screens: mailboxes (IMAP, inbound token, signatures), received mail, bounced addresses."""

from __future__ import annotations

import secrets
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from beacon.accounts.models import User
from beacon.audit.services import audit_record
from beacon.core.admin_site import AdminAuditMixin, AdminRoleOnly, admin_site
from beacon.intake.email import services
from beacon.intake.email.models import BouncedAddress, InboundEmail, Mailbox
from beacon.intake.email.queries import token_digest


class MailboxForm(forms.ModelForm):  # type: ignore[type-arg]  # generic only in django-stubs
    # Write-only: the saved secret is never sent back to the browser; empty keeps it.
    imap_secret = forms.CharField(
        label=gettext_lazy("IMAP password or token"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=gettext_lazy("Leave empty to keep the saved one."),
    )

    class Meta:
        model = Mailbox
        fields = (
            "name",
            "slug",
            "address",
            "display_name",
            "is_active",
            "auto_reply",
            "signature_en",
            "signature_zh",
            "imap_host",
            "imap_port",
            "imap_username",
            "imap_auth",
            "imap_secret",
            "imap_folder",
            "imap_after",
        )

    def clean_imap_secret(self) -> str:
        value: str = self.cleaned_data.get("imap_secret") or ""
        return value or (self.instance.imap_secret if self.instance.pk else "")


@admin.action(description=gettext_lazy("Generate a new inbound (MTA) token"))
def generate_inbound_token(
    modeladmin: admin.ModelAdmin,  # type: ignore[type-arg]  # generic only in django-stubs
    request: HttpRequest,
    queryset: QuerySet[Mailbox],
) -> None:
    assert isinstance(request.user, User)  # AdminRoleOnly let only admins in
    for mailbox in queryset:
        token = secrets.token_urlsafe(32)
        with transaction.atomic():
            Mailbox.objects.filter(pk=mailbox.pk).update(
                inbound_token_digest=token_digest(token)
            )
            audit_record(
                actor=request.user,
                action="email.mailbox.inbound_token",
                target_type="mailbox",
                target_id=mailbox.pk,
            )
        # Shown once; only the digest is kept.
        modeladmin.message_user(
            request,
            _("New token for %(mailbox)s (shown only now): %(token)s")
            % {"mailbox": mailbox.address, "token": token},
            messages.WARNING,
        )


@admin.register(Mailbox, site=admin_site)
class MailboxAdmin(AdminAuditMixin, AdminRoleOnly):
    form = MailboxForm
    list_display = (
        "name",
        "address",
        "is_active",
        "imap_host",
        "last_polled_at",
        "last_error",
    )
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("last_polled_at", "last_error")
    actions = (generate_inbound_token,)
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "name",
                    "slug",
                    "address",
                    "display_name",
                    "is_active",
                    "auto_reply",
                )
            },
        ),
        (gettext_lazy("Signature"), {"fields": ("signature_en", "signature_zh")}),
        (
            gettext_lazy("IMAP"),
            {
                "fields": (
                    "imap_host",
                    "imap_port",
                    "imap_username",
                    "imap_auth",
                    "imap_secret",
                    "imap_folder",
                    "imap_after",
                    "last_polled_at",
                    "last_error",
                )
            },
        ),
    )


@admin.action(description=gettext_lazy("Parse again"))
def parse_again(
    modeladmin: admin.ModelAdmin,  # type: ignore[type-arg]  # generic only in django-stubs
    request: HttpRequest,
    queryset: QuerySet[InboundEmail],
) -> None:
    assert isinstance(request.user, User)
    count = services.inbound_retry(rows=queryset, actor=request.user)
    modeladmin.message_user(
        request,
        ngettext(
            "%(count)d message parsed again.", "%(count)d messages parsed again.", count
        )
        % {"count": count},
        messages.SUCCESS,
    )


@admin.register(InboundEmail, site=admin_site)
class InboundEmailAdmin(AdminRoleOnly):
    list_display = (
        "id",
        "received_at",
        "source",
        "from_address",
        "subject",
        "status",
        "reason",
        "sender_verified",
        "ticket",
    )
    list_filter = ("status", "source", "sender_verified")
    search_fields = ("message_id", "from_address", "subject")
    list_select_related = ("ticket",)
    actions = (parse_again,)
    exclude = ("raw", "html")
    list_per_page = 50

    def get_readonly_fields(
        self, request: HttpRequest, obj: Model | None = None
    ) -> Any:
        return [
            f.name for f in InboundEmail._meta.fields if f.name not in ("raw", "html")
        ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: Model | None = None
    ) -> bool:
        return False


@admin.register(BouncedAddress, site=admin_site)
class BouncedAddressAdmin(AdminAuditMixin, AdminRoleOnly):
    """Deleting a row lets mail to the address be tried again."""

    list_display = ("address", "status", "count", "last_bounced_at", "diagnostic")
    search_fields = ("address",)
    readonly_fields = ("address", "status", "count", "diagnostic")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
