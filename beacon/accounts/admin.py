"""Admin screens for people: users (customers and staff), teams with their members, API tokens."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.password_validation import validate_password
from django.db.models import Count, ForeignKey, QuerySet
from django.forms import BaseInlineFormSet, ModelChoiceField
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from beacon.accounts.models import ApiToken, Language, Membership, Role, Team, User
from beacon.accounts.services import api_token_revoke
from beacon.core.admin_site import AdminAuditMixin, AdminRoleOnly, admin_site, is_admin

# Roles that can be put in a team queue (auditors read everything and belong to no team).
TEAM_ROLES = (Role.AGENT, Role.LEAD, Role.ADMIN)


class MembershipFormSet(BaseInlineFormSet):  # type: ignore[type-arg]  # generic only in django-stubs
    def clean(self) -> None:
        super().clean()
        owner = self.instance
        if not isinstance(owner, User):
            return
        kept = [
            form
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        if kept and owner.role not in TEAM_ROLES:
            raise forms.ValidationError(
                _("Only agents, leads and admins can be members of a team.")
            )


class MembershipInline(admin.TabularInline):  # type: ignore[type-arg]  # generic only in django-stubs
    model = Membership
    formset = MembershipFormSet
    extra = 1

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_admin(request)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_admin(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_admin(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_admin(request)

    def formfield_for_foreignkey(
        self, db_field: ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> ModelChoiceField[Any] | None:
        if db_field.name == "user":
            kwargs["queryset"] = User.objects.filter(
                role__in=TEAM_ROLES, is_active=True
            ).order_by("email")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class UserAdminForm(forms.ModelForm):  # type: ignore[type-arg]  # generic only in django-stubs
    """Edits a user; the password is never shown, only replaced when a new one is typed."""

    skills_languages = forms.MultipleChoiceField(
        label=_("Languages spoken"),
        choices=Language.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "For staff: conversations in these languages can be routed to them."
        ),
    )
    new_password = forms.CharField(
        label=_("New password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(
            render_value=False, attrs={"autocomplete": "new-password"}
        ),
        help_text=_(
            "Leave empty to keep the current password. Customers can also sign in with an emailed link."
        ),
    )
    # Set by UserAdmin.get_form, so an admin cannot take away their own access by mistake.
    current_user: User | None = None

    class Meta:
        model = User
        fields = (
            "email",
            "display_name",
            "role",
            "is_active",
            "language",
            "skills_languages",
            "exchange_uid",
            "phone",
            "vip_tier",
            "kyc_level",
            "email_verified",
        )

    def clean_email(self) -> str:
        return str(self.cleaned_data["email"]).strip().lower()

    def clean_exchange_uid(self) -> str | None:
        # Empty means "no exchange account" (NULL), so several staff users do not collide on "".
        value = (self.cleaned_data.get("exchange_uid") or "").strip()
        return value or None

    def clean_new_password(self) -> str:
        password = str(self.cleaned_data.get("new_password") or "")
        if password:
            validate_password(password, user=self.instance)
        return password

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        me = self.current_user
        if me is not None and self.instance.pk == me.pk:
            if cleaned.get("role") != Role.ADMIN:
                self.add_error("role", _("You cannot remove your own admin role."))
            if not cleaned.get("is_active"):
                self.add_error(
                    "is_active", _("You cannot deactivate your own account.")
                )
        return cleaned

    def save(self, commit: bool = True) -> User:  # noqa: FBT001, FBT002 (Django's signature)
        user: User = super().save(commit=False)
        password = self.cleaned_data.get("new_password")
        if password:
            user.set_password(password)
        elif not user.pk:
            user.set_unusable_password()
        if commit:
            user.save()
            self.save_m2m()
        return user


@admin.register(User, site=admin_site)
class UserAdmin(AdminAuditMixin, AdminRoleOnly):
    form = UserAdminForm
    inlines = (MembershipInline,)
    list_display = (
        "email",
        "display_name",
        "role",
        "language",
        "vip_tier",
        "kyc_level",
        "is_active",
        "date_joined",
    )
    list_filter = ("role", "is_active", "language", "vip_tier", "kyc_level")
    search_fields = ("email", "display_name", "exchange_uid", "phone")
    ordering = ("email",)
    readonly_fields = ("date_joined", "last_login")
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "email",
                    "display_name",
                    "role",
                    "is_active",
                    "language",
                    "new_password",
                )
            },
        ),
        (_("Staff"), {"fields": ("skills_languages",)}),
        (
            _("Exchange account"),
            {
                "fields": (
                    "exchange_uid",
                    "phone",
                    "vip_tier",
                    "kyc_level",
                    "email_verified",
                )
            },
        ),
        (_("Activity"), {"fields": ("date_joined", "last_login")}),
    )

    def get_form(
        self,
        request: HttpRequest,
        obj: Any = None,
        change: bool = False,  # noqa: FBT001, FBT002 (Django's signature)
        **kwargs: Any,
    ) -> Any:
        form = cast(
            "type[UserAdminForm]",
            super().get_form(request, obj, change=change, **kwargs),
        )
        form.current_user = request.user if isinstance(request.user, User) else None
        return form


@admin.register(Team, site=admin_site)
class TeamAdmin(AdminAuditMixin, AdminRoleOnly):
    inlines = (MembershipInline,)
    list_display = ("name_en", "name_zh", "slug", "member_count", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name_en", "name_zh", "slug")
    prepopulated_fields = {"slug": ("name_en",)}
    fields = ("name_en", "name_zh", "slug", "description", "email", "is_active")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Team]:
        teams: QuerySet[Team] = super().get_queryset(request)
        return teams.annotate(member_total=Count("memberships"))

    @admin.display(description=_("members"), ordering="member_total")
    def member_count(self, obj: Team) -> int:
        return int(getattr(obj, "member_total", 0))


@admin.register(ApiToken, site=admin_site)
class ApiTokenAdmin(AdminRoleOnly):
    """Tokens are created with `beacon create_api_token` (the secret is shown once there); here
    admins list and revoke them. The digest is never displayed."""

    list_display = (
        "name",
        "user",
        "prefix_display",
        "created_at",
        "last_used_at",
        "revoked_at",
    )
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    list_select_related = ("user",)
    search_fields = ("name", "prefix", "user__email")
    fields = (
        "name",
        "user",
        "prefix_display",
        "created_at",
        "last_used_at",
        "revoked_at",
    )
    readonly_fields = fields
    actions = ("revoke",)

    @admin.display(description=_("prefix"))
    def prefix_display(self, obj: ApiToken) -> str:
        return f"{obj.prefix}…"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return is_admin(request)

    @admin.action(description=_("Revoke the selected tokens"), permissions=["revoke"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        actor = request.user if isinstance(request.user, User) else None
        revoked = sum(
            1 for token in queryset if api_token_revoke(token=token, revoked_by=actor)
        )
        self.message_user(
            request,
            ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", revoked)
            % {"count": revoked},
            messages.SUCCESS,
        )
