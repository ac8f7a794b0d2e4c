"""API authentication: bearer tokens for integrations, the browser session for the UI."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone, translation
from ninja.security import APIKeyCookie, HttpBearer

from beacon.accounts.models import ApiToken, User
from beacon.core.prepared import PreparedQuery

_ACTIVE_USER = PreparedQuery(
    lambda user_id: User.objects.filter(pk=user_id, is_active=True)[:1], user_id=int
)


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        digest = ApiToken.digest_of(token)
        cache_key = ApiToken.cache_key(digest)
        user_id: int | None = cache.get(cache_key)
        if user_id is None:
            row = (
                ApiToken.objects.filter(digest=digest, revoked_at__isnull=True)
                .values_list("id", "user_id")
                .first()
            )
            if row is None:
                return None
            # Touch last_used_at at most once per cache period rather than on every request.
            ApiToken.objects.filter(pk=row[0]).update(last_used_at=timezone.now())
            user_id = row[1]
            cache.set(cache_key, user_id, settings.API_TOKEN_CACHE_SECONDS)
        # The owner is read on every request (a deactivated user is refused at once), through
        # SQL compiled once: see beacon/core/prepared.py.
        user: User | None = _ACTIVE_USER.first(user_id=user_id)
        if user is None:
            return None
        request.user = user
        # LocaleMiddleware ran before authentication: answer in the token owner's language.
        translation.activate(user.language)
        request.LANGUAGE_CODE = user.language
        return user


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
