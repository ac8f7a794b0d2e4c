"""Sign-in pages: password, emailed single-use link, sign-out, profile language."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from beacon.accounts import services
from beacon.accounts.forms import LoginForm, LoginLinkForm
from beacon.accounts.models import User
from beacon.core.errors import Invalid

LOGIN_ATTEMPTS_PER_10_MIN = 10


def _client_ip(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))


def home_for(user: User) -> str:
    return "/console/" if user.is_support_staff else "/tickets/"


def _next_url(request: HttpRequest, user: User) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return home_for(user)


def _too_many_attempts(key: str) -> bool:
    count: int = cache.get_or_set(key, 0, 600) or 0
    cache.incr(key)
    return count >= LOGIN_ATTEMPTS_PER_10_MIN


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    link_form = LoginLinkForm()
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"].lower()
        if _too_many_attempts(f"login:{email}") or _too_many_attempts(
            f"login-ip:{_client_ip(request)}"
        ):
            form.add_error(
                None,
                _(
                    "Too many attempts. Wait ten minutes or sign in with an emailed link."
                ),
            )
        else:
            user = authenticate(
                request, email=email, password=form.cleaned_data["password"]
            )
            if user is None:
                form.add_error(None, _("Email or password is not correct."))
            else:
                login(request, user)
                return redirect(_next_url(request, user))
    return render(
        request,
        "accounts/login.html",
        {"form": form, "link_form": link_form, "next": request.GET.get("next", "")},
    )


@require_POST
def login_link_request(request: HttpRequest) -> HttpResponse:
    form = LoginLinkForm(request.POST)
    if form.is_valid():
        email = form.cleaned_data["email"].lower()
        if not _too_many_attempts(f"link:{email}"):
            services.login_link_send(
                email=email, ip_address=_client_ip(request) or None
            )
        # The same answer whether or not the address has an account.
        messages.info(
            request,
            _(
                "If an account uses this address, a sign-in link is on its way. It expires in 15 minutes."
            ),
        )
        return redirect("accounts:login")
    return render(
        request,
        "accounts/login.html",
        {"form": LoginForm(), "link_form": form},
        status=400,
    )


@require_http_methods(["GET", "POST"])
def magic_login(request: HttpRequest, secret: str) -> HttpResponse:
    # GET shows a button; only the POST uses the link, so mail scanners that fetch links do not burn it.
    if request.method == "GET":
        return render(request, "accounts/magic_confirm.html", {"secret": secret})
    try:
        user = services.login_link_consume(secret=secret)
    except Invalid as exc:
        messages.error(request, exc.message)
        return redirect("accounts:login")
    login(request, user, backend="beacon.accounts.backends.EmailBackend")
    return redirect(home_for(user))


@require_POST
def logout_view(request: HttpRequest) -> HttpResponseRedirect:
    logout(request)
    return redirect("accounts:login")


@login_required
@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    try:
        services.user_set_language(user=user, language=request.POST.get("language", ""))
    except Invalid as exc:
        messages.error(request, exc.message)
    return redirect(_next_url(request, user))
