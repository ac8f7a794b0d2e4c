"""Maps domain errors raised in HTML views to friendly error pages (the API has its own handlers)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from beacon.core.errors import DomainError


class DomainErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(
        self, request: HttpRequest, exception: Exception
    ) -> HttpResponse | None:
        if not isinstance(exception, DomainError) or request.path.startswith("/api/"):
            return None
        detail = exception.message
        if exception.fields:
            detail = " ".join(
                [
                    detail,
                    *(
                        f"{name}: {' '.join(msgs)}"
                        for name, msgs in exception.fields.items()
                    ),
                ]
            )
        return render(
            request,
            "error.html",
            {"title": detail, "detail": "", "status": exception.status},
            status=exception.status,
        )
