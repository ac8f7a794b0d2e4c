"""HTMX helpers shared by the portal, the help center and the console."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers


def is_htmx(request: HttpRequest) -> bool:
    """An HTMX request that wants a fragment (a history restore wants the whole page)."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def render_page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    partial: str | None = None,
) -> HttpResponse:
    """Render `template`, or only its partial `partial` when HTMX asks for a fragment.

    The answer varies on HX-Request, so a cache never serves a fragment as the page."""
    name = f"{template}#{partial}" if partial and is_htmx(request) else template
    response = render(request, name, context)
    patch_vary_headers(response, ["HX-Request"])
    return response
