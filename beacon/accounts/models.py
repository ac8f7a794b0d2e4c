"""People: exchange customers and support staff share one user table, told apart by role."""

from __future__ import annotations

import hashlib
from typing import Any, ClassVar

from django.contrib.auth.models import (
    AbstractBaseUser,
    BaseUserManager,
    PermissionsMixin,
)
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    AGENT = "agent", _("Agent")
    LEAD = "lead", _("Team lead")
    ADMIN = "admin", _("Administrator")
    AUDITOR = "auditor", _("Auditor")


STAFF_ROLES = frozenset({Role.AGENT, Role.LEAD, Role.ADMIN, Role.AUDITOR})


class Language(models.TextChoices):
    EN = "en", "English"
    ZH_HANS = "zh-hans", "简体中文"


class VipTier(models.IntegerChoices):
    REGULAR = 0, _("Regular")
    VIP1 = 1, "VIP 1"
    VIP2 = 2, "VIP 2"
    VIP3 = 3, "VIP 3"
    INSTITUTIONAL = 4, _("Institutional")


class KycLevel(models.IntegerChoices):
    NONE = 0, _("Not verified")
    BASIC = 1, _("Basic")
    ADVANCED = 2, _("Advanced")
    INSTITUTIONAL = 3, _("Institutional")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(
        self, email: str, password: str | None = None, **extra: Any
    ) -> User:
        if not email:
            raise ValueError("email is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(
        self, email: str, password: str | None = None, **extra: Any
    ) -> User:
        extra.setdefault("role", Role.ADMIN)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in: a customer of the exchange or a member of its support staff."""

    email = models.EmailField(_("email"), unique=True)
    display_name = models.CharField(_("name"), max_length=150, blank=True)
    role = models.CharField(
        _("role"),
        max_length=16,
        choices=Role.choices,
        default=Role.CUSTOMER,
        db_index=True,
    )
    language = models.CharField(
        _("preferred language"),
        max_length=10,
        choices=Language.choices,
        default=Language.EN,
    )
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)
    # Customer attributes (the exchange's own account data).
    exchange_uid = models.CharField(
        _("exchange UID"), max_length=64, unique=True, null=True, blank=True
    )
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    vip_tier = models.PositiveSmallIntegerField(
        _("VIP tier"), choices=VipTier.choices, default=VipTier.REGULAR
    )
    kyc_level = models.PositiveSmallIntegerField(
        _("KYC level"), choices=KycLevel.choices, default=KycLevel.NONE
    )
    email_verified = models.BooleanField(_("email verified"), default=False)
    # Staff attributes.
    skills_languages = models.JSONField(_("languages spoken"), default=list, blank=True)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        ordering = ("email",)
        indexes = [
            # The staff in name order (the console's assignee choices) without walking every
            # customer: the role index alone is not chosen, since SQLite's statistics see two
            # roles in even shares, so a list of 7 agents read all 5,000 customers (0.7 ms on
            # every console page). A query uses it when its WHERE says `NOT role = 'customer'`
            # (`staff_only`).
            models.Index(
                fields=["email"],
                name="user_staff_email_idx",
                condition=~models.Q(role="customer"),
            )
        ]

    def __str__(self) -> str:
        return self.display_name or self.email

    @property
    def is_staff(self) -> bool:
        """Django's admin flag: staff roles only."""
        return self.role in STAFF_ROLES

    @property
    def is_customer(self) -> bool:
        return self.role == Role.CUSTOMER

    @property
    def is_support_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_admin_role(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def can_write_tickets(self) -> bool:
        """Auditors read everything but change nothing."""
        return self.role in {Role.AGENT, Role.LEAD, Role.ADMIN}


class Team(models.Model):
    """A specialist queue (Tech Support, Account Security, ...)."""

    slug = models.SlugField(unique=True)
    name_en = models.CharField(_("name (English)"), max_length=100)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100, blank=True)
    description = models.TextField(blank=True)
    email = models.EmailField(blank=True)
    is_active = models.BooleanField(default=True)
    members = models.ManyToManyField(User, through="Membership", related_name="teams")

    class Meta:
        ordering = ("name_en",)

    def __str__(self) -> str:
        return self.name_en

    def display_name(self, language: str) -> str:
        return (
            self.name_zh if language.startswith("zh") and self.name_zh else self.name_en
        )


class Membership(models.Model):
    """A staff member in a team; leads of a team may manage its queue."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    is_lead = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "team"], name="membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.team}"


class ApiToken(models.Model):
    """A bearer token for integrations. Only the SHA-256 of the secret is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def digest_of(secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()

    @staticmethod
    def cache_key(digest: str) -> str:
        """Where api_auth caches the token's owner; revocation deletes it."""
        return f"apitoken:{digest}"


class LoginLink(models.Model):
    """An emailed single-use sign-in link; only the digest of its secret is kept."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="login_links")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"login link for {self.user_id}"
