"""Triage pages in the console: the panel on the ticket page (with corrections) and incidents.

The panel is its own fragment, fetched by the ticket page when it loads (and swapped after a
correction), so the ticket page itself costs nothing extra. Who sees what:
- the panel: anyone who sees the ticket (agents and leads of its team, admins, auditors);
  corrections: the same people except auditors, who read only;
- incidents: leads, admins and auditors (read only); leads and admins decide.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from beacon.accounts.models import Role, User
from beacon.core.errors import DomainError
from beacon.core.htmx import is_htmx
from beacon.tickets import queries as ticket_queries
from beacon.tickets.console.access import htmx_redirect, staff_view
from beacon.tickets.console_forms import add_domain_error
from beacon.tickets.models import Category, Priority, Ticket
from beacon.triage import queries, services
from beacon.triage.forms import CorrectionForm, DecisionForm
from beacon.triage.models import Sentiment, TriageResult

PANEL_TEMPLATE = "triage/panel.html"
INCIDENTS_TEMPLATE = "triage/incidents.html"


def _category_names(language: str) -> dict[str, str]:
    return {
        category.slug: category.display_name(language)
        for category in Category.objects.filter(is_active=True)
    }


def _panel_context(
    user: User,
    ticket: Ticket,
    *,
    error_form: CorrectionForm | None = None,
    error_result: int | None = None,
) -> dict[str, Any]:
    language = user.language or "en"
    names = _category_names(language)
    results = queries.results_for_ticket(ticket=ticket)
    languages = dict(settings.LANGUAGES)
    fields = _field_labels()
    reasons = _reason_labels()
    for result in results:
        # Shown only: labels in the agent's language for what the row stores as codes.
        result.category_name = names.get(result.intent, result.intent)  # type: ignore[attr-defined]
        result.language_name = languages.get(result.language, result.language)  # type: ignore[attr-defined]
        result.reason_names = [reasons.get(r, r) for r in result.urgency_reasons]  # type: ignore[attr-defined]
        result.applied_rows = [  # type: ignore[attr-defined]
            (fields.get(name, name), value)
            for name, value in result.applied.items()
            if name != "rules"
        ]
        result.corrected_rows = [  # type: ignore[attr-defined]
            (fields.get(name, name), value) for name, value in result.corrected.items()
        ]
    return {
        "ticket": ticket,
        "results": results,
        "can_correct": user.can_write_tickets and not ticket.is_closed,
        "categories": sorted(names.items(), key=lambda item: item[1]),
        "priorities": Priority.choices,
        "languages": settings.LANGUAGES,
        "sentiments": Sentiment.choices,
        "error_form": error_form,
        "error_result": error_result,
    }


def _field_labels() -> dict[str, str]:
    return {
        "category": _("Category"),
        "intent": _("Category"),
        "team": _("Team"),
        "priority": _("Priority"),
        "language": _("Language"),
        "sentiment": _("Sentiment"),
        "tags": _("Tags"),
    }


def _reason_labels() -> dict[str, str]:
    return {
        "security": _("security emergency"),
        "vip": _("VIP customer"),
        "amount": _("large amount"),
        "repeated": _("repeated contacts"),
        "anger": _("anger"),
        "suggestion": _("suggestion"),
    }


@staff_view()
@require_GET
def ticket_panel(request: HttpRequest, user: User, reference: str) -> HttpResponse:
    ticket = ticket_queries.ticket_get_for_user(user=user, reference=reference)
    return render(request, PANEL_TEMPLATE, _panel_context(user, ticket))


@staff_view()
@require_POST
def ticket_correct(request: HttpRequest, user: User, reference: str) -> HttpResponse:
    """One field of one result corrected; answers with the panel again (errors shown in it)."""
    ticket = ticket_queries.ticket_get_for_user(user=user, reference=reference)
    form = CorrectionForm(request.POST)
    result: TriageResult | None = None
    if form.is_valid():
        result = queries.result_get_for_ticket(
            ticket=ticket, result_id=form.cleaned_data["result"]
        )
        try:
            services.triage_correct(
                result=result,
                actor=user,
                field=form.cleaned_data["field"],
                value=form.cleaned_data["value"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            if not is_htmx(request):
                return htmx_redirect(
                    request, reverse("console:ticket", args=[ticket.reference])
                )
            try:
                ticket = ticket_queries.ticket_get_for_user(
                    user=user, reference=reference
                )
            except DomainError:
                # The correction moved the ticket out of this agent's teams.
                return htmx_redirect(request, reverse("console:index"))
            return render(request, PANEL_TEMPLATE, _panel_context(user, ticket))
    # 200 for HTMX: it swaps only successful responses, and the error must be shown.
    return render(
        request,
        PANEL_TEMPLATE,
        _panel_context(
            user,
            ticket,
            error_form=form,
            error_result=result.pk if result is not None else None,
        ),
        status=200 if is_htmx(request) else 400,
    )


@staff_view()
@require_GET
def incidents(request: HttpRequest, user: User) -> HttpResponse:
    proposed, decided = queries.incidents_for_user(user=user)
    rows = [
        {"incident": incident, "tickets": queries.incident_tickets(incident)}
        for incident in proposed
    ]
    return render(
        request,
        INCIDENTS_TEMPLATE,
        {
            "nav": "incidents",
            "proposed": rows,
            "decided": decided,
            "can_decide": user.role in (Role.LEAD, Role.ADMIN),
        },
    )


@staff_view()
@require_POST
def incident_decide(request: HttpRequest, user: User, incident_id: int) -> HttpResponse:
    incident = queries.incident_get_for_user(user=user, incident_id=incident_id)
    form = DecisionForm(request.POST)
    if form.is_valid():
        services.incident_decide(
            incident=incident,
            actor=user,
            confirm=form.cleaned_data["decision"] == "confirm",
        )
    return htmx_redirect(request, reverse("triage:incidents"))
