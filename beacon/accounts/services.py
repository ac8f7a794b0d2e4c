"""Account changes: sign-in links, API tokens, profile language."""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from beacon.accounts.models import ApiToken, LoginLink, User
from beacon.audit.services import audit_record
from beacon.core.errors import Invalid

logger = logging.getLogger(__name__)


def api_token_create(
    *, user: User, name: str, created_by: User | None = None
) -> tuple[ApiToken, str]:
    """Create a token; the secret is returned once and only its digest is stored."""
    secret = "bcn_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name[:100] or "token",
            prefix=secret[:10],
            digest=ApiToken.digest_of(secret),
        )
        audit_record(
            actor=created_by,
            action="api_token.create",
            target_type="user",
            target_id=user.pk,
            data={"name": token.name},
        )
    return token, secret


def api_token_revoke(*, token: ApiToken, revoked_by: User | None = None) -> bool:
    """Revoke a token at once; False if it was already revoked.

    The cached lookup in api_auth (ApiToken.cache_key) is dropped after commit, so the
    token stops working immediately rather than when the cache entry expires.
    """
    with transaction.atomic():
        updated = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if updated:
            audit_record(
                actor=revoked_by,
                action="api_token.revoke",
                target_type="user",
                target_id=token.user_id,
                data={"name": token.name, "prefix": token.prefix},
            )
            digest = token.digest
            transaction.on_commit(lambda: cache.delete(ApiToken.cache_key(digest)))
    return bool(updated)


def login_link_send(*, email: str, ip_address: str | None = None) -> None:
    """Email a single-use sign-in link if the address belongs to an active account.

    The caller shows the same message either way, so the form cannot reveal who has an account.
    """
    user = User.objects.filter(email=email.strip().lower(), is_active=True).first()
    if user is None:
        return
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        LoginLink.objects.create(
            user=user,
            digest=ApiToken.digest_of(secret),
            expires_at=timezone.now()
            + timedelta(seconds=settings.MAGIC_LINK_TTL_SECONDS),
        )
        audit_record(
            actor=user,
            action="login_link.send",
            target_type="user",
            target_id=user.pk,
            ip_address=ip_address,
        )
    url = settings.BASE_URL + reverse("accounts:magic-login", kwargs={"secret": secret})
    minutes = settings.MAGIC_LINK_TTL_SECONDS // 60
    with translation.override(user.language):
        subject = _("Your Beacon sign-in link")
        body = _(
            "Use this link to sign in to the support portal. It works once and expires in %(minutes)s minutes:\n\n%(url)s\n\n"
            "If you did not ask for it, ignore this email. Support staff will never ask you for this link, your password, 2FA codes or seed phrase."
        ) % {"minutes": minutes, "url": url}
    message = EmailMessage(
        subject=subject,
        body=body,
        to=[user.email],
        headers={"Auto-Submitted": "auto-generated"},
    )
    transaction.on_commit(lambda: message.send(fail_silently=False))


def login_link_consume(*, secret: str) -> User:
    """Use a link once: the row is marked used in the same transaction that reads it."""
    now = timezone.now()
    with transaction.atomic():
        updated = LoginLink.objects.filter(
            digest=ApiToken.digest_of(secret), used_at__isnull=True, expires_at__gt=now
        ).update(used_at=now)
        if updated != 1:
            raise Invalid(
                _(
                    "This sign-in link has expired or was already used. Ask for a new one."
                ),
                code="link_invalid",
            )
        link = LoginLink.objects.select_related("user").get(
            digest=ApiToken.digest_of(secret)
        )
        if not link.user.is_active:
            raise Invalid(
                _(
                    "This sign-in link has expired or was already used. Ask for a new one."
                ),
                code="link_invalid",
            )
        if not link.user.email_verified:
            # Receiving the link proves the address.
            User.objects.filter(pk=link.user.pk).update(email_verified=True)
            link.user.email_verified = True
        audit_record(
            actor=link.user,
            action="login_link.use",
            target_type="user",
            target_id=link.user.pk,
        )
    return link.user


def user_set_language(*, user: User, language: str) -> None:
    if language not in dict(settings.LANGUAGES):
        raise Invalid(fields={"language": [_("Choose a supported language.")]})
    User.objects.filter(pk=user.pk).update(language=language)
    user.language = language
