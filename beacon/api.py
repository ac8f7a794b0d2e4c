"""The JSON API at /api/v1: one NinjaAPI, one router per app, one error shape."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from beacon.accounts.api_auth import SessionAuth, TokenAuth
from beacon.core.errors import DomainError, Invalid

api = NinjaAPI(
    title="Beacon API",
    version="1.0.0",
    urls_namespace="api",
    auth=[TokenAuth(), SessionAuth()],
    description="Tickets and customers for integrations. Authenticate with `Authorization: Bearer <token>` "
    "(tokens are created by admins with `beacon create_api_token`) or a browser session.",
)


def _error(
    request: HttpRequest,
    status: int,
    detail: str,
    code: str,
    fields: dict[str, list[str]] | None = None,
) -> HttpResponse:
    body: dict[str, Any] = {"detail": detail, "code": code}
    if fields:
        body["fields"] = fields
    return api.create_response(request, body, status=status)


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    if isinstance(exc, Invalid) and exc.fields:
        # Field errors are 422 like schema errors, so clients handle one status for "fix these
        # fields"; an Invalid without fields (a bad cursor) stays a plain 400.
        code = "validation_error" if exc.code == Invalid.code else exc.code
        return _error(request, 422, exc.message, code, exc.fields)
    return _error(request, exc.status, exc.message, exc.code, exc.fields)


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields: dict[str, list[str]] = {}
    for error in exc.errors:
        location = [
            str(part)
            for part in error.get("loc", ())
            if part not in ("body", "payload", "query", "path", "header")
        ]
        fields.setdefault(".".join(location) or "body", []).append(
            str(error.get("msg", _("Invalid value.")))
        )
    return _error(
        request, 422, _("Some fields are not valid."), "validation_error", fields
    )


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(
        request,
        401,
        _("Authentication required: send a valid API token or sign in."),
        "unauthenticated",
    )


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # ninja raises these itself, with untranslated texts: give the known ones our words and codes.
    if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
        return _error(
            request, 400, _("The request body is not valid JSON."), "malformed_json"
        )
    if exc.status_code == 403 and str(exc).startswith("CSRF"):
        return _error(
            request,
            403,
            _(
                "CSRF check failed: send the X-CSRFToken header with session requests, or use an API token."
            ),
            "csrf_failed",
        )
    return _error(request, exc.status_code, str(exc), "http_error")


@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return _error(request, 413, _("The request body is too large."), "too_large")


def _register_routers() -> None:
    from beacon.knowledge.api import router as knowledge_router
    from beacon.tickets.api import router as tickets_router

    api.add_router("/", tickets_router)
    api.add_router("/", knowledge_router)


_register_routers()
