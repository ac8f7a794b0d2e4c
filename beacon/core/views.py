"""Project-wide views: health check and error pages that never leak internals."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def _error_page(
    request: HttpRequest, status: int, title: str, detail: str
) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": detail, "code": f"http_{status}"}, status=status)
    return render(
        request,
        "error.html",
        {"title": title, "detail": detail, "status": status},
        status=status,
    )


def bad_request(
    request: HttpRequest, exception: Exception | None = None
) -> HttpResponse:
    return _error_page(
        request, 400, _("Bad request"), _("The request could not be understood.")
    )


def permission_denied(
    request: HttpRequest, exception: Exception | None = None
) -> HttpResponse:
    return _error_page(
        request,
        403,
        _("Not allowed"),
        _("You do not have permission to see this page."),
    )


def page_not_found(
    request: HttpRequest, exception: Exception | None = None
) -> HttpResponse:
    return _error_page(
        request,
        404,
        _("Not found"),
        _("This page does not exist or you cannot see it."),
    )


def server_error(request: HttpRequest) -> HttpResponse:
    return _error_page(
        request,
        500,
        _("Something went wrong"),
        _("An error occurred on our side. It has been logged; please try again."),
    )
