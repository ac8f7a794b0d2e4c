"""Domain errors: one place, each with a translatable message and a stable code.

API handlers and HTML views map them the same way (see beacon/api.py and core/views.py).
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """Base for errors shown to users."""

    status = 400
    code = "invalid"
    default_message: str | Promise = _("The request is not valid.")

    def __init__(
        self,
        message: str | Promise | None = None,
        *,
        code: str | None = None,
        fields: dict[str, list[str]] | None = None,
    ) -> None:
        self.message = str(message if message is not None else self.default_message)
        if code:
            self.code = code
        self.fields = fields or {}
        super().__init__(self.message)


class NotFound(DomainError):
    """Missing and not-yours look the same, so nobody can enumerate references."""

    status = 404
    code = "not_found"
    default_message = _("Not found.")


class PermissionDenied(DomainError):
    status = 403
    code = "permission_denied"
    default_message = _("You do not have permission to do this.")


class Conflict(DomainError):
    status = 409
    code = "conflict"
    default_message = _("This conflicts with the current state.")


class Invalid(DomainError):
    status = 400
    code = "invalid"
    default_message = _("Some fields are not valid.")


class TooLarge(DomainError):
    status = 413
    code = "too_large"
    default_message = _("The upload is too large.")


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"
    default_message = _("Too many requests. Please wait a moment and try again.")
