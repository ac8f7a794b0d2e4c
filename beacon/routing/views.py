"""Routing pages in the console: the rules dry run (leads and admins) and the presence switch."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from beacon.accounts.models import Team, User
from beacon.core.errors import DomainError
from beacon.core.htmx import is_htmx
from beacon.routing import queries, services
from beacon.routing.forms import DryRunForm, PresenceForm
from beacon.routing.matching import evaluate
from beacon.routing.services import ASSIGNABLE_ROLES
from beacon.tickets.console.access import staff_view
from beacon.tickets.models import Priority

DRY_RUN_TEMPLATE = "routing/dry_run.html"
PRESENCE_TEMPLATE = "routing/presence_widget.html"


@staff_view()
@require_GET
def dry_run(request: HttpRequest, user: User) -> HttpResponse:
    """Which rule a sample ticket would hit, and the team, priority and tags it would get."""
    if user.role not in queries.DRY_RUN_ROLES:
        raise Http404
    rules = queries.rules_for_dry_run(user=user)
    form = DryRunForm(request.GET if "category" in request.GET else None)
    result = None
    if form.is_bound and form.is_valid():
        category = form.cleaned_data["category"]
        outcome = evaluate(rules, form.facts())
        team_id, priority, tags = services.routing_result(
            outcome,
            team_id=category.default_team_id,
            priority=category.default_priority,
        )
        result = {
            "outcome": outcome,
            "matched_ids": {rule.pk for rule in outcome.matched},
            "team": Team.objects.filter(pk=team_id).first() if team_id else None,
            "priority": Priority(priority).label,
            "tags": tags,
            "sla_policy": next(
                (r.sla_policy for r in reversed(outcome.matched) if r.sla_policy_id),
                None,
            ),
        }
    return render(
        request,
        DRY_RUN_TEMPLATE,
        {"nav": "routing", "form": form, "rules": rules, "result": result},
    )


@staff_view()
@require_http_methods(["GET", "POST"])
def presence(request: HttpRequest, user: User) -> HttpResponse:
    """The console header's presence switch (an HTMX fragment)."""
    error = ""
    if request.method == "POST":
        form = PresenceForm(request.POST)
        if form.is_valid():
            try:
                services.presence_set(user=user, status=form.cleaned_data["status"])
            except DomainError as exc:
                error = exc.message
        else:
            error = "; ".join(str(e) for errors in form.errors.values() for e in errors)
    if request.method == "POST" and not error and not is_htmx(request):
        return HttpResponseRedirect(reverse("console:index"), status=303)
    context = {
        "assignable": user.role in ASSIGNABLE_ROLES,
        "presence": queries.presence_for(user=user),
        "open_pages": queries.open_pages_for(user=user),
        "error": error,
        "statuses": PresenceForm.base_fields["status"].choices,  # type: ignore[attr-defined]
    }
    return render(request, PRESENCE_TEMPLATE, context, status=400 if error else 200)
