"""Pages for the signed-in user's own notices and channel preferences.

Every page is for the signed-in user only and shows only their own rows: another person's
notice is a 404, exactly like a missing one.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from beacon.accounts.models import User
from beacon.notifications import queries, services
from beacon.notifications.forms import PreferenceForm

LIST_SIZE = 50


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # login_required ran first
    return user


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    notifications = list(queries.inapp_list_for_user(user)[:LIST_SIZE])
    unread = sum(1 for n in notifications if n.read_at is None)
    return render(
        request,
        "notifications/list.html",
        {"notifications": notifications, "unread": unread},
    )


@login_required
@require_GET
def bell(request: HttpRequest) -> HttpResponse:
    """The bell's count, loaded by htmx into the top bar (so pages do not pay for it)."""
    count = queries.inapp_unread_count(_user(request))
    return render(request, "notifications/_bell.html", {"count": count})


@login_required
@require_POST
def notification_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    user = _user(request)
    notification = queries.inapp_get_for_user(
        user=user, notification_id=notification_id
    )
    services.inapp_mark_read(user=user, notification=notification)
    target = notification.url if request.POST.get("open") else ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}
    ):
        return redirect(target)
    return redirect("notifications:list")


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    services.inapp_mark_all_read(user=_user(request))
    return redirect("notifications:list")


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    current = queries.preference_for(user)
    if request.method == "POST":
        form = PreferenceForm(request.POST)
        if form.is_valid():
            services.preference_update(user=user, **form.cleaned_data)
            messages.success(request, _("Your notification choices are saved."))
            return redirect("notifications:preferences")
    else:
        form = PreferenceForm(
            initial={
                "email": current.email,
                "in_app": current.in_app,
                "sms": current.sms,
                "push": current.push,
            }
        )
    return render(
        request,
        "notifications/preferences.html",
        {"form": form, "has_phone": bool(user.phone)},
    )
