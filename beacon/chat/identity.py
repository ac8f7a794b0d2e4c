"""Who is chatting: a signed-in customer (from the exchange's signed token or a Beacon session),
a guest known only by a random key, or a member of staff.

The exchange signs a short-lived JWT (HS256, shared secret `CHAT_TOKEN_SECRET`) for its signed-in
user; Beacon verifies it and answers with its own chat session token (Django signing), which the
widget keeps and presents on every request and socket. An email typed into the widget never
identifies anybody. See docs/chat.md for the claims.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import jwt
from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from beacon.accounts.models import Language, Role, User
from beacon.core.errors import DomainError

SESSION_SALT = "beacon.chat.session"
TOKEN_AUDIENCE = "beacon-chat"  # noqa: S105  # the JWT audience, not a secret
REQUIRED_CLAIMS = ("sub", "exp", "iat")


class Unauthenticated(DomainError):
    status = 401
    code = "unauthenticated"


@dataclass(frozen=True)
class Identity:
    """A customer (`user`), a guest (`guest_key`) or staff (`user` with a staff role)."""

    user: User | None = None
    guest_key: str = ""

    @property
    def is_guest(self) -> bool:
        return self.user is None

    @property
    def is_staff(self) -> bool:
        return self.user is not None and self.user.is_support_staff

    @property
    def key(self) -> str:
        """A stable name for rate limits: one per person, not per connection."""
        return f"u{self.user.pk}" if self.user is not None else f"g{self.guest_key}"


def new_guest() -> Identity:
    return Identity(guest_key=secrets.token_urlsafe(24))


def session_token(identity: Identity) -> str:
    """The chat session token the widget keeps (signed by Beacon, expires)."""
    payload: dict[str, Any] = (
        {"u": identity.user.pk}
        if identity.user is not None
        else {"g": identity.guest_key}
    )
    return signing.dumps(payload, salt=SESSION_SALT, compress=True)


def identity_from_session(token: str) -> Identity:
    """The identity a chat session token names; refused when forged, expired or inactive."""
    try:
        payload = signing.loads(
            token, salt=SESSION_SALT, max_age=settings.CHAT_SESSION_MAX_AGE
        )
    except signing.BadSignature as exc:
        raise Unauthenticated(
            _("Your chat session has expired. Please reload the chat.")
        ) from exc
    if not isinstance(payload, dict):
        raise Unauthenticated
    if "u" in payload:
        user = User.objects.filter(pk=payload["u"], is_active=True).first()
        if user is None:
            raise Unauthenticated
        return Identity(user=user)
    guest = payload.get("g")
    if not isinstance(guest, str) or not guest:
        raise Unauthenticated
    return Identity(guest_key=guest)


def verify_exchange_token(token: str) -> dict[str, Any]:
    """The claims of a token the exchange signed, or `Unauthenticated`.

    HS256 only (the algorithm is never taken from the token), audience `beacon-chat`, the
    configured issuer when one is set, at most `CHAT_TOKEN_MAX_AGE` seconds between issue and
    expiry, a little clock skew allowed.
    """
    secret = settings.CHAT_TOKEN_SECRET
    if not secret:
        raise Unauthenticated(_("Signed-in chat is not configured on this server."))
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            audience=TOKEN_AUDIENCE,
            issuer=settings.CHAT_TOKEN_ISSUER or None,
            leeway=30,
            options={"require": list(REQUIRED_CLAIMS)},
        )
    except jwt.PyJWTError as exc:
        raise Unauthenticated(
            _("The sign-in token is not valid or has expired.")
        ) from exc
    if int(claims["exp"]) - int(claims["iat"]) > settings.CHAT_TOKEN_MAX_AGE:
        raise Unauthenticated(_("The sign-in token is not valid or has expired."))
    if not isinstance(claims["sub"], str) or not claims["sub"].strip():
        raise Unauthenticated(_("The sign-in token is not valid or has expired."))
    return claims


def customer_for_claims(claims: dict[str, Any]) -> User:
    """The customer the exchange vouches for: found by exchange UID, created on first chat.

    An existing account with the same email is linked only when it has no UID yet and the
    exchange says it verified the address; otherwise a clash is refused rather than guessed.
    """
    uid = str(claims["sub"]).strip()[:64]
    email = str(claims.get("email") or "").strip().lower()
    verified = claims.get("email_verified") is True
    language = (
        Language.ZH_HANS
        if str(claims.get("lang", "")).lower().startswith("zh")
        else Language.EN
    )
    user = User.objects.filter(exchange_uid=uid).first()
    if user is not None:
        if not user.is_active or not user.is_customer:
            raise Unauthenticated
        return user
    if not email:
        email = f"uid-{uid}@chat.invalid"
    clash = User.objects.filter(email__iexact=email).first()
    if clash is not None:
        if (
            clash.is_customer
            and not clash.exchange_uid
            and verified
            and clash.is_active
        ):
            clash.exchange_uid = uid
            clash.save(update_fields=["exchange_uid"])
            return clash
        raise Unauthenticated(
            _("This account cannot be used for chat. Please contact support by email.")
        )
    try:
        with transaction.atomic():
            created: User = User.objects.create_user(
                email,
                None,
                role=Role.CUSTOMER,
                exchange_uid=uid,
                display_name=str(claims.get("name") or "")[:150],
                language=language,
                email_verified=verified,
            )
    except IntegrityError:
        # The same user opened two tabs at once: the other request created the account.
        return User.objects.get(exchange_uid=uid)
    return created
