"""The audit log page: auditors and admins only (everyone else gets a 404), newest first."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from beacon.accounts.models import User
from beacon.audit.queries import (
    AuditFilter,
    audit_actions,
    audit_events_for_user,
    audit_paginate,
)
from beacon.core.errors import Invalid
from beacon.core.htmx import is_htmx
from beacon.tickets.console.access import staff_view

PAGE_SIZE = 50
TEMPLATE = "audit/events.html"
FILTER_NAMES = ("action", "actor", "target")


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(required=False, label=gettext_lazy("Action"))
    actor = forms.CharField(
        required=False, max_length=254, label=gettext_lazy("Actor email")
    )
    target = forms.CharField(
        required=False,
        max_length=100,
        label=gettext_lazy("Target"),
        help_text=gettext_lazy("A ticket reference, or type:id"),
    )

    def __init__(self, *args: Any, actions: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        action = self.fields["action"]
        assert isinstance(action, forms.ChoiceField)
        action.choices = [("", gettext_lazy("Any")), *((a, a) for a in actions)]

    def to_filter(self) -> AuditFilter:
        self.is_valid()
        data = {
            name: value
            for name, value in self.cleaned_data.items()
            if name not in self.errors
        }
        return AuditFilter(
            action=data.get("action") or "",
            actor=data.get("actor") or "",
            target=data.get("target") or "",
        )


def _query(data: QueryDict) -> QueryDict:
    query = QueryDict(mutable=True)
    for name in FILTER_NAMES:
        value = data.get(name)
        if value:
            query[name] = str(value)
    return query


@staff_view()
@require_GET
def audit_log(request: HttpRequest, user: User) -> HttpResponse:
    form = AuditFilterForm(request.GET, actions=audit_actions(user=user))
    events = audit_events_for_user(user=user, filters=form.to_filter())
    cursor = request.GET.get("cursor") or None
    notice = ""
    try:
        page = audit_paginate(events, cursor=cursor, limit=PAGE_SIZE)
    except Invalid as exc:
        notice, cursor = exc.message, None
        page = audit_paginate(events, cursor=None, limit=PAGE_SIZE)
    query = _query(request.GET)
    base = reverse("console:audit:events")
    next_url = ""
    if page.next_cursor:
        next_query = query.copy()
        next_query["cursor"] = page.next_cursor
        next_url = f"{base}?{next_query.urlencode()}"
    context = {
        "nav": "audit",
        "form": form,
        "page": page,
        "rows": [
            (
                event,
                json.dumps(event.data, ensure_ascii=False, sort_keys=True)
                if event.data
                else "",
            )
            for event in page.items
        ],
        "next_url": next_url,
        "first_url": f"{base}?{query.urlencode()}" if cursor else "",
        "notice": notice,
    }
    if is_htmx(request):
        return render(request, f"{TEMPLATE}#event-list", context)
    return render(request, TEMPLATE, context)
