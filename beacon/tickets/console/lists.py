"""The console's ticket list: views, filters, search, keyset pages and bulk changes."""

from __future__ import annotations

from collections.abc import Collection
from functools import partial
from typing import Any

from django.contrib import messages
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from beacon.accounts.models import User
from beacon.core.errors import DomainError, Invalid
from beacon.core.htmx import is_htmx
from beacon.sla.queries import next_target_by_ticket
from beacon.tickets import services
from beacon.tickets.console.access import htmx_redirect, staff_view
from beacon.tickets.console.rows import ROW_COLUMNS, ticket_rows
from beacon.tickets.console_forms import (
    VIEW_LABELS,
    BulkForm,
    TicketFilterForm,
    add_domain_error,
    list_choice_rows,
)
from beacon.tickets.models import Ticket
from beacon.tickets.queries import (
    TicketFilter,
    View,
    capped_count,
    tag_names_by_ticket,
    team_ids_of,
    ticket_list_for_user,
    ticket_page_for_user,
    tickets_visible_to,
)

# Thirty rows, as most help desks show: enough to triage, and rendering stays well under 50 ms.
PAGE_SIZE = 30
# Sidebar counts stop at this number ("1,000+"): an exact count of a huge view costs a scan.
VIEW_COUNT_CAP = 1000
# How long the sidebar counts of one user are reused (see _view_counts).
VIEW_COUNTS_TTL_S = 10
TEMPLATE = "tickets/console/index.html"


def _filter_query(data: QueryDict) -> QueryDict:
    """The filter part of a request (without the cursor), to rebuild list and next-page links."""
    query = QueryDict(mutable=True)
    for name in TicketFilterForm.FILTER_NAMES:
        value = data.get(name, "")
        if value:
            query[name] = value
    return query


def _list_context(
    user: User,
    data: QueryDict,
    *,
    cursor: str | None,
    selected: Collection[int] = frozenset(),
) -> dict[str, Any]:
    filter_form = TicketFilterForm(data, user=user)
    filters = filter_form.to_filter()
    # Only the columns a row shows (see rows.py) and the sort keys, as plain values: loading
    # whole tickets and people (descriptions, JSON columns, password hashes) made the page's
    # query several times dearer, and model instances for each row and its relations cost more
    # than the query.
    # The text search is the pagination's (ticket_page_for_user): it finds a page of matches
    # faster than the filter alone.
    page_after = partial(
        ticket_page_for_user,
        user=user,
        filters=filters,
        limit=PAGE_SIZE,
        fields=ROW_COLUMNS,
    )
    notice = ""
    try:
        page = page_after(cursor=cursor)
    except Invalid as exc:
        notice = exc.message
        page = page_after(cursor=None)
    # SLA time left per row: one query for the page (the SLA app owns the targets); the tags'
    # names in one plain query too (a prefetch builds a Tag object and a queryset per row).
    page_ids = [row["id"] for row in page.items]
    next_targets = next_target_by_ticket(page_ids)
    tags = tag_names_by_ticket(page_ids)
    query = _filter_query(data)
    next_url = ""
    if page.next_cursor:
        next_query = query.copy()
        next_query["cursor"] = page.next_cursor
        next_url = f"{reverse('console:index')}?{next_query.urlencode()}"
    now = timezone.now()
    ticket_base = reverse("console:ticket", args=["BX-00000000"]).removesuffix(
        "BX-00000000/"
    )
    return {
        "filter_form": filter_form,
        # A callable, which the template calls only where it draws the filters (not for HTMX).
        "filter_fragment_key": partial(
            _fragment_key,
            user,
            "team",
            "category",
            "assignee",
            values=_filter_values(data),
        ),
        "filters": filters,
        "page": page,
        "rows": ticket_rows(
            page.items,
            viewer=user,
            can_write=user.can_write_tickets,
            selected=selected,
            ticket_base=ticket_base,
            now=now,
            sla_next=next_targets,
            tag_names=tags,
        ),
        "filter_items": list(query.items()),
        "first_url": f"{reverse('console:index')}?{query.urlencode()}",
        "next_url": next_url,
        "is_later_page": bool(cursor) and not notice,
        "notice": notice,
        "can_write": user.can_write_tickets,
        "nav": "tickets",
        "now": now,
    }


def _filter_values(data: QueryDict) -> tuple[str, ...]:
    """What the filter form shows of a request: each field's value as its widget reads it."""
    return tuple(str(data.get(name, "")) for name in TicketFilterForm.FILTER_NAMES)


def _fragment_key(user: User, *choices: str, values: tuple[str, ...] = ()) -> str:
    """What a form's drawn fields depend on besides the language and the code: the choices of
    its model selects as this user is offered them, and the values shown. The template caches
    the fields under it ({% cache %}, settings: template_fragments), so a new team, category or
    colleague, a renamed one, or another value is drawn afresh."""
    return repr((*(list_choice_rows(user, name) for name in choices), values))


def _view_counts_key(user: User) -> str:
    # The teams are part of the key, so joining or leaving a team shows new counts at once.
    teams = ",".join(map(str, sorted(team_ids_of(user))))
    return f"console:view-counts:v1:{user.pk}:{user.role}:{teams}"


def _view_counts(user: User) -> list[dict[str, Any]]:
    """Sidebar entries with their counts: one COUNT per view, built from the same rules as the list.

    The counts are kept for VIEW_COUNTS_TTL_S seconds per user: an agent reloads the console or
    comes back to it many times a minute, and five counts cost more than the list itself. The
    agent's own bulk changes drop them at once (ticket_bulk); others' changes show within seconds.
    """
    key = _view_counts_key(user)
    counts: dict[str, int] | None = cache.get(key)
    if counts is None:
        counts = {
            view.value: capped_count(
                ticket_list_for_user(user=user, filters=TicketFilter(view=view)),
                cap=VIEW_COUNT_CAP,
            )
            for view in View
        }
        cache.set(key, counts, VIEW_COUNTS_TTL_S)
    return [
        {
            "view": view.value,
            "cap": VIEW_COUNT_CAP,
            "label": VIEW_LABELS[view],
            "count": counts[view.value],
        }
        for view in View
    ]


def _add_views(context: dict[str, Any], user: User) -> None:
    """The sidebar's views with their counts; it is drawn once per language, current view and
    counts (the template's {% cache %})."""
    context["views"] = views = _view_counts(user)
    context["views_key"] = ",".join(str(item["count"]) for item in views)


@staff_view(customers_to_portal=True)
@require_GET
def ticket_list(request: HttpRequest, user: User) -> HttpResponse:
    context = _list_context(user, request.GET, cursor=request.GET.get("cursor") or None)
    if user.can_write_tickets:
        # An empty form, built only if its fields are not cached already (the template).
        context["bulk_form"] = SimpleLazyObject(
            partial(BulkForm, prefix="bulk", user=user)
        )
        context["bulk_fragment_key"] = _fragment_key(user, "team", "assignee")
    if is_htmx(request):
        return render(request, f"{TEMPLATE}#ticket-list", context)
    _add_views(context, user)
    return render(request, TEMPLATE, context)


@staff_view()
@require_POST
def ticket_bulk(request: HttpRequest, user: User) -> HttpResponse:
    """One change for the selected tickets, all or nothing. The list's filters travel with the
    request (hidden fields in the bulk form), so the list is re-rendered as the agent saw it."""
    form = BulkForm(request.POST, prefix="bulk", user=user)
    notice = ""
    if form.is_valid():
        ids: list[int] = form.cleaned_data["ids"]
        tickets: list[Ticket] = list(tickets_visible_to(user).filter(pk__in=ids))
        if len(tickets) != len(ids):
            # A ticket this user cannot see: refuse the whole request, as for a single ticket.
            raise Http404
        try:
            count = services.tickets_bulk_update(
                tickets=tickets,
                actor=user,
                changes=form.changes(),
                add_tags=form.add_tags(),
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            cache.delete(_view_counts_key(user))
            notice = ngettext(
                "%(count)d ticket updated.", "%(count)d tickets updated.", count
            ) % {"count": count}
            if not is_htmx(request):
                messages.success(request, notice)
                return htmx_redirect(
                    request,
                    f"{reverse('console:index')}?{_filter_query(request.POST).urlencode()}",
                )
            form = BulkForm(prefix="bulk", user=user)
    selected = set(form.cleaned_data.get("ids", [])) if form.errors else set()
    context = _list_context(user, request.POST, cursor=None, selected=selected)
    context["bulk_form"] = form
    context["notice"] = notice
    if is_htmx(request):
        # 200 even with errors: htmx swaps only successful responses, and the errors must show.
        return render(request, f"{TEMPLATE}#ticket-list", context)
    _add_views(context, user)
    return render(request, TEMPLATE, context, status=400)
