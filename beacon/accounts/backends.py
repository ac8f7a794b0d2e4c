"""Password sign-in by email address, case-insensitively."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from beacon.accounts.models import User
from beacon.core.prepared import PreparedQuery

# The signed-in user, loaded on every request of a session: the whole row (the session's auth
# hash is checked against the password hash). Compiling User.objects.get(pk=...) each time cost
# more than the lookup.
_USER_BY_ID = PreparedQuery(
    lambda user_id: User.objects.filter(pk=user_id)[:1], user_id=int
)


class EmailBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        user = _USER_BY_ID.first(user_id=int(user_id))
        if user is None or not self.user_can_authenticate(user):
            return None
        return user

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        email = (kwargs.get("email") or username or "").strip().lower()
        if not email or password is None:
            return None
        user = User.objects.filter(email=email).first()
        if user is None:
            # Spend the same time as a real check so timing does not reveal which emails exist.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
