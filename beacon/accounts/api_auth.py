"""API authentication: bearer tokens for integrations, the browser session for the UI."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone, translation
from ninja.security import APIKeyCookie, HttpBearer

from beacon.accounts.models import ApiToken, User
from beacon.core.prepared import PreparedQuery

# Without the password hash: the owner is cached (in Redis when scaled out), and saving a
# deferred instance writes only its loaded fields.
_ACTIVE_USER = PreparedQuery(
    lambda user_id: User.objects.filter(pk=user_id, is_active=True).defer("password")[
        :1
    ],
    user_id=int,
)


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        cache_key = ApiToken.cache_key(ApiToken.digest_of(token))
        # The owner is cached with the token, teams included, for API_TOKEN_CACHE_SECONDS:
        # a request then reads nothing from the database to know who is calling. Revoking the
        # token, or saving its owner or one of their memberships, drops the entry at commit
        # (forget_tokens_of), so those take effect at once in this process (everywhere with
        # Redis); changes that bypass signals (queryset updates) within the cache period.
        user = cache.get(cache_key)
        if not isinstance(user, User):
            user = _token_owner(token)
            if user is None:
                return None
            cache.set(cache_key, user, settings.API_TOKEN_CACHE_SECONDS)
        request.user = user
        # LocaleMiddleware ran before authentication: answer in the token owner's language.
        translation.activate(user.language)
        request.LANGUAGE_CODE = user.language
        return user


def _token_owner(secret: str) -> User | None:
    """The active owner of a live token, with their teams loaded; records the token's use."""
    from beacon.tickets.queries import team_ids_of  # tickets depends on accounts

    row = (
        ApiToken.objects.filter(
            digest=ApiToken.digest_of(secret), revoked_at__isnull=True
        )
        .values_list("id", "user_id")
        .first()
    )
    if row is None:
        return None
    # Touch last_used_at at most once per cache period rather than on every request.
    ApiToken.objects.filter(pk=row[0]).update(last_used_at=timezone.now())
    user = _ACTIVE_USER.first(user_id=row[1])
    if user is not None:
        team_ids_of(user)  # kept on the object, so cached with it
    return user


def forget_tokens_of(user_id: int) -> None:
    """Drop the cached owner of `user_id`'s tokens once the current transaction commits
    (at once outside one), so the next request reads the user and their teams again."""

    def forget() -> None:
        digests = ApiToken.objects.filter(
            user_id=user_id, revoked_at__isnull=True
        ).values_list("digest", flat=True)
        cache.delete_many([ApiToken.cache_key(digest) for digest in digests])

    transaction.on_commit(forget, robust=True)


class SessionAuth(APIKeyCookie):
    """The signed-in browser session; unsafe methods still need the CSRF token."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def _get_key(self, request: HttpRequest) -> str | None:
        # Without a signed-in session there is nothing to protect: skip the CSRF check so an
        # anonymous POST is answered 401 (authenticate) rather than 403 (CSRF).
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active:
            return user
        return None
