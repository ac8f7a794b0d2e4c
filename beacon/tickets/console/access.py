"""Who may open console pages, and the HTMX plumbing every console view shares."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import update_wrapper
from typing import Any, Concatenate, ParamSpec

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.utils.cache import patch_vary_headers

from beacon.accounts.models import User
from beacon.accounts.views import home_for
from beacon.core.htmx import is_htmx

P = ParamSpec("P")
StaffView = Callable[Concatenate[HttpRequest, User, P], HttpResponse]
PlainView = Callable[Concatenate[HttpRequest, P], HttpResponse]
SAFE_METHODS = ("GET", "HEAD")


def staff_view(
    *, customers_to_portal: bool = False
) -> Callable[[StaffView[P]], PlainView[P]]:
    """Support staff only: anonymous users sign in, customers get a 404 (or their portal), and
    auditors may read but every other method is refused with 403. The view receives the user."""

    def decorator(view: StaffView[P]) -> PlainView[P]:
        def wrapper(
            request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs
        ) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            # The User itself rather than the lazy proxy AuthenticationMiddleware installs:
            # every attribute read through the proxy is a Python-level call, and a list page
            # reads the viewer's attributes hundreds of times (rows, forms, templates).
            user = getattr(request.user, "_wrapped", request.user)
            assert isinstance(user, User)
            request.user = user
            if not user.is_active or not user.is_support_staff:
                if customers_to_portal and request.method in SAFE_METHODS:
                    return HttpResponseRedirect(home_for(user))
                raise Http404
            if request.method not in SAFE_METHODS and not user.can_write_tickets:
                raise PermissionDenied
            response = view(request, user, *args, **kwargs)
            # The same URL answers with a page or a fragment: caches must keep them apart.
            patch_vary_headers(response, ["HX-Request"])
            return response

        update_wrapper(wrapper, view)
        return wrapper

    return decorator


def render_fragments(
    request: HttpRequest,
    template: str,
    context: Mapping[str, Any],
    main: str,
    oob: Iterable[str] = (),
    *,
    status: int = 200,
) -> HttpResponse:
    """Render partial `main` of `template`, followed by partials swapped out of band (each partial
    puts hx-swap-oob on its root element when `oob` is set)."""
    html = render_to_string(
        f"{template}#{main}", {**context, "oob": False}, request=request
    )
    for name in oob:
        html += render_to_string(
            f"{template}#{name}", {**context, "oob": True}, request=request
        )
    return HttpResponse(html, status=status)


def htmx_redirect(request: HttpRequest, url: str) -> HttpResponse:
    """Go to `url`: a full navigation for HTMX requests, a 303 otherwise."""
    if is_htmx(request):
        response = HttpResponse()
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url, status=303)
