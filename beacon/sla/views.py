"""The "breaching soon" page: running SLA targets of the user's tickets due within N hours."""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from beacon.accounts.models import User
from beacon.core.htmx import is_htmx
from beacon.sla.queries import targets_breaching_for_user
from beacon.sla.templatetags.sla import format_time_left, seconds_left
from beacon.tickets.console.access import staff_view

TEMPLATE = "sla/breaching.html"
DEFAULT_HOURS = 4
MAX_HOURS = 7 * 24
HOUR_CHOICES = (1, 4, 8, 24, 72)


def _hours(raw: str | None) -> int:
    try:
        hours = int(raw or DEFAULT_HOURS)
    except ValueError:
        return DEFAULT_HOURS
    return min(max(hours, 1), MAX_HOURS)


@staff_view(customers_to_portal=True)
@require_GET
def breaching_soon(request: HttpRequest, user: User) -> HttpResponse:
    hours = _hours(request.GET.get("hours"))
    now = timezone.now()
    targets = targets_breaching_for_user(
        user=user, within=timedelta(hours=hours), now=now
    )
    rows = [
        {
            "target": target,
            "ticket": target.ticket,
            "left": format_time_left(seconds_left(target, now)),
            "overdue": target.due_at <= now,
        }
        for target in targets
    ]
    context = {"nav": "sla", "rows": rows, "hours": hours, "hour_choices": HOUR_CHOICES}
    if is_htmx(request):
        return render(request, f"{TEMPLATE}#target-list", context)
    return render(request, TEMPLATE, context)
