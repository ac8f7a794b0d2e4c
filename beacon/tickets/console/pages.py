"""The console's ticket page and the HTMX endpoints behind its forms.

Each POST either answers with fragments (HTMX: the form again, plus the parts it changed,
swapped out of band) or, without JavaScript, redirects on success and re-renders the page with
the errors otherwise. Errors keep what was typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from beacon.accounts.models import User
from beacon.core import chains
from beacon.core.errors import DomainError, NotFound
from beacon.core.htmx import is_htmx
from beacon.tickets import participants, queries, services
from beacon.tickets.console.access import htmx_redirect, render_fragments, staff_view
from beacon.tickets.console_forms import (
    LinkForm,
    ParticipantForm,
    PropertiesForm,
    ReferenceForm,
    ReplyForm,
    add_domain_error,
)
from beacon.tickets.form_fields import FieldType, parse_specs
from beacon.tickets.models import (
    Attachment,
    LinkKind,
    Macro,
    Priority,
    Status,
    Ticket,
    TicketEvent,
    TicketLink,
)

TEMPLATE = "tickets/console/ticket.html"
# Parts of the page that a change to the ticket can alter, re-rendered out of band.
TICKET_PARTS = ("header", "properties", "history")
OTHER_TICKETS_SHOWN = 6


@dataclass(frozen=True)
class FieldRow:
    label: str
    value: str
    url: str
    missing: bool


@dataclass(frozen=True)
class EventRow:
    event: TicketEvent
    field: str
    old: str
    new: str


@dataclass(frozen=True)
class LinkRow:
    label: str
    other: Ticket


def _field_rows(ticket: Ticket) -> list[FieldRow]:
    """The structured fields in the category's order, with block-explorer links where they apply."""
    specs = parse_specs(ticket.category.form_fields)
    network = chains.get_network(str(ticket.fields.get("network", "")))
    rows: list[FieldRow] = []
    for spec in specs:
        value = str(ticket.fields.get(spec.name, ""))
        missing = spec.name in ticket.missing_fields
        if not value and not missing:
            continue
        url = ""
        if value and network is not None:
            if spec.type == FieldType.TXID:
                url = network.explorer_tx.format(txid=quote(value, safe=""))
            elif spec.type == FieldType.ADDRESS:
                url = network.explorer_address.format(address=quote(value, safe=""))
        rows.append(
            FieldRow(
                # In the agent's language (the page's), not the customer's.
                label=spec.label(get_language() or "en"),
                value=value,
                url=url,
                missing=missing,
            )
        )
    known = {spec.name for spec in specs}
    # Values kept from a previous category still belong to the request.
    rows.extend(
        FieldRow(label=name, value=str(value), url="", missing=False)
        for name, value in ticket.fields.items()
        if name not in known
    )
    return rows


def _field_labels() -> dict[str, str]:
    return {
        "status": _("Status"),
        "priority": _("Priority"),
        "category": _("Category"),
        "team": _("Team"),
        "assignee": _("Assignee"),
        "tags": _("Tags"),
        "attachments": _("Attachments"),
        "fields": _("Details"),
        "missing_fields": _("Missing information"),
        "merged_into": _("Merged into"),
        "merged_from": _("Merged from"),
        "link": _("Linked ticket"),
        "follow_up_of": _("Follow-up of"),
        "follow_up": _("Follow-up"),
        "rating": _("Rating"),
        "participants": _("Participants (Cc)"),
    }


def _value_label(field: str, value: str) -> str:
    if field == "status" and value in Status.values:
        return str(Status(value).label)
    if (
        field == "priority"
        and value.removeprefix("P").isdigit()
        and int(value.removeprefix("P")) in Priority.values
    ):
        return str(Priority(int(value.removeprefix("P"))).label)
    return value


def _event_rows(user: User, ticket: Ticket) -> list[EventRow]:
    """History as "who, when, field: old → new", with field names and values in words."""
    labels = _field_labels()
    return [
        EventRow(
            event=event,
            field=labels.get(event.field, event.field),
            old=_value_label(event.field, event.old_value),
            new=_value_label(event.field, event.new_value),
        )
        for event in queries.events_for_user(user=user, ticket=ticket)
    ]


def _link_rows(user: User, ticket: Ticket) -> list[LinkRow]:
    """Links in both directions, to tickets this user can see."""
    visible = queries.tickets_visible_to(user)
    links = TicketLink.objects.filter(
        Q(source=ticket, target__in=visible) | Q(target=ticket, source__in=visible)
    ).select_related("source", "target")
    rows = []
    for link in links:
        outgoing = link.source_id == ticket.pk
        other = link.target if outgoing else link.source
        label = (
            link.get_kind_display()
            if outgoing or link.kind == LinkKind.RELATED
            else _incoming_label(link.kind)
        )
        rows.append(LinkRow(label=str(label), other=other))
    return rows


def _incoming_label(kind: str) -> str:
    return _("Merged from") if kind == LinkKind.DUPLICATE else _("Follow-up")


def _context(user: User, ticket: Ticket, **forms: Any) -> dict[str, Any]:
    can_write = user.can_write_tickets
    editable = can_write and not ticket.is_closed
    context: dict[str, Any] = {
        "nav": "tickets",
        "ticket": ticket,
        "can_write": can_write,
        "editable": editable,
        "conversation": list(queries.messages_for_user(user=user, ticket=ticket)),
        # Files sent with the request itself (not with a later message).
        "ticket_files": list(
            Attachment.objects.filter(ticket=ticket, message__isnull=True)
        ),
        "events": _event_rows(user, ticket),
        "fields": _field_rows(ticket),
        "links": _link_rows(user, ticket),
        "other_tickets": list(
            queries.tickets_visible_to(user)
            .filter(customer_id=ticket.customer_id)
            .exclude(pk=ticket.pk)
            .select_related("category")
            .order_by("-created_at", "-id")[:OTHER_TICKETS_SHOWN]
        ),
        "tags": sorted(t.name for t in ticket.tags.all()),
        "participants": participants.participants_of(ticket),
    }
    if editable:
        context["macros"] = list(queries.macros_for_user(user=user))
        context["reply_form"] = forms.get("reply_form") or ReplyForm()
        context["properties_form"] = forms.get("properties_form") or PropertiesForm(
            ticket=ticket
        )
        context["merge_form"] = forms.get("merge_form") or ReferenceForm(prefix="merge")
        context["participant_form"] = forms.get("participant_form") or ParticipantForm(
            prefix="participant"
        )
    if can_write:
        context["link_form"] = forms.get("link_form") or LinkForm(prefix="link")
    return context


def _reload(user: User, ticket: Ticket) -> Ticket:
    return queries.ticket_get_for_user(user=user, reference=ticket.reference)


def _ticket_url(ticket: Ticket) -> str:
    return reverse("console:ticket", args=[ticket.reference])


def _invalid(
    request: HttpRequest, user: User, ticket: Ticket, part: str, **forms: Any
) -> HttpResponse:
    """A form came back with errors: show it again with what was typed."""
    context = _context(user, ticket, **forms)
    if is_htmx(request):
        # 200: htmx swaps only successful responses, and the errors must be shown.
        return render_fragments(request, TEMPLATE, context, part)
    return render(request, TEMPLATE, context, status=400)


@staff_view()
@require_GET
def ticket_page(request: HttpRequest, user: User, reference: str) -> HttpResponse:
    ticket = queries.ticket_get_for_user(user=user, reference=reference)
    return render(request, TEMPLATE, _context(user, ticket))


@staff_view()
@require_POST
def reply(request: HttpRequest, user: User, reference: str) -> HttpResponse:
    ticket = queries.ticket_get_for_user(user=user, reference=reference)
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            services.reply_add(
                ticket=ticket,
                author=user,
                body=form.cleaned_data["body"],
                kind=form.cleaned_data["kind"],
                set_status=form.cleaned_data["status"] or None,
                uploads=request.FILES.getlist("attachments"),
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            return _after_message(request, user, ticket)
    return _invalid(request, user, ticket, "reply", reply_form=form)


def _after_message(request: HttpRequest, user: User, ticket: Ticket) -> HttpResponse:
    if not is_htmx(request):
        return htmx_redirect(request, _ticket_url(ticket))
    ticket = _reload(user, ticket)
    return render_fragments(
        request,
        TEMPLATE,
        _context(user, ticket),
        "reply",
        ("conversation", *TICKET_PARTS),
    )


@staff_view()
@require_http_methods(["GET", "POST"])
def properties(request: HttpRequest, user: User, reference: str) -> HttpResponse:
    """POST saves the properties; GET re-renders the form for the submitted values, which is how
    the team select fetches the assignee choices of the team just chosen."""
    ticket = queries.ticket_get_for_user(user=user, reference=reference)
    if request.method == "GET":
        if not is_htmx(request):
            return htmx_redirect(request, _ticket_url(ticket))
        form = PropertiesForm(request.GET, ticket=ticket)
        return render_fragments(
            request,
            TEMPLATE,
            _context(user, ticket, properties_form=form),
            "properties",
        )
    form = PropertiesForm(request.POST, ticket=ticket)
    if form.is_valid():
        changes = form.changes()
        try:
            if changes:
                services.ticket_update(ticket=ticket, actor=user, changes=changes)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            try:
                ticket = _reload(user, ticket)
            except NotFound:
                # Moved to a team this agent is not in: the ticket is out of their sight now.
                messages.info(
                    request,
                    _("%(reference)s moved to a team you are not in.")
                    % {"reference": ticket.reference},
                )
                return htmx_redirect(request, reverse("console:index"))
            if not is_htmx(request):
                return htmx_redirect(request, _ticket_url(ticket))
            return render_fragments(
                request,
                TEMPLATE,
                _context(user, ticket),
                "properties",
                ("header", "history"),
            )
    return _invalid(request, user, ticket, "properties", properties_form=form)


def _macro(user: User, raw: str | None) -> Macro:
    """A macro this user may use, or NotFound (another team's macro looks like a missing one)."""
    try:
        macro_id = int(raw or "")
    except ValueError as exc:
        raise NotFound from exc
    macro = queries.macros_for_user(user=user).filter(pk=macro_id).first()
    if macro is None:
        raise NotFound
    return macro


@staff_view()
@require_GET
def macro_preview(request: HttpRequest, user: User, reference: str) -> HttpResponse:
    """The macro's text for this ticket, ready to insert into the reply box."""
    ticket = queries.ticket_get_for_user(user=user, reference=reference)
    macro = _macro(user, request.GET.get("macro"))
    text = services.macro_render(macro=macro, ticket=ticket, agent=user)
    if is_htmx(request):
        return render_fragments(
            request,
            TEMPLATE,
            {"ticket": ticket, "macro": macro, "macro_text": text, "editable": True},
            "macro-preview",
        )
    # Without JavaScript the text lands in the reply box directly.
    form = ReplyForm(initial={"body": text})
    return render(
        request,
        TEMPLATE,
        {**_context(user, ticket, reply_form=form), "macro": macro, "macro_text": text},
    )


@staff_view()
@require_POST
def macro_apply(request: HttpRequest, user: User, reference: str) -> HttpResponse:
    """Send the macro as a reply and apply its status and tags."""
    ticket = queries.ticket_get_for_user(user=user, reference=reference)
    macro = _macro(user, request.POST.get("macro"))
    try:
        services.macro_apply(macro=macro, ticket=ticket, agent=user)
    except DomainError as exc:
        form = ReplyForm(request.POST)
        form.is_valid()
        add_domain_error(form, exc)
        return _invalid(request, user, ticket, "reply", reply_form=form)
    return _after_message(request, user, ticket)


@staff_view()
@require_POST
def merge(request: HttpRequest, user: User, reference: str) -> HttpResponse:
    """Merge this ticket into another one of the same customer; the agent continues on that one."""
    ticket = queries.ticket_get_for_user(user=user, reference=reference)
    form = ReferenceForm(request.POST, prefix="merge")
    if form.is_valid():
        try:
            target = queries.ticket_get_for_user(
                user=user, reference=form.cleaned_data["target"]
            )
            merged = services.ticket_merge(source=ticket, target=target, actor=user)
        except NotFound:
            form.add_error(
                "target", _("There is no ticket with this reference that you can see.")
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            return htmx_redirect(request, _ticket_url(merged))
    return _invalid(request, user, ticket, "relations", merge_form=form)


@staff_view()
@require_POST
def link(request: HttpRequest, user: User, reference: str) -> HttpResponse:
    """Link a related ticket by its reference."""
    ticket = queries.ticket_get_for_user(user=user, reference=reference)
    form = LinkForm(request.POST, prefix="link")
    if form.is_valid():
        try:
            target = queries.ticket_get_for_user(
                user=user, reference=form.cleaned_data["target"]
            )
            services.ticket_link(
                source=ticket, target=target, actor=user, kind=form.cleaned_data["kind"]
            )
        except NotFound:
            form.add_error(
                "target", _("There is no ticket with this reference that you can see.")
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            if not is_htmx(request):
                return htmx_redirect(request, _ticket_url(ticket))
            return render_fragments(
                request, TEMPLATE, _context(user, ticket), "relations", ("history",)
            )
    return _invalid(request, user, ticket, "relations", link_form=form)


@staff_view()
@require_POST
def participant_add(request: HttpRequest, user: User, reference: str) -> HttpResponse:
    """Copy an address on the ticket's email."""
    ticket = queries.ticket_get_for_user(user=user, reference=reference)
    form = ParticipantForm(request.POST, prefix="participant")
    if form.is_valid():
        try:
            participants.participant_add(
                ticket=ticket, actor=user, address=form.cleaned_data["address"]
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            return _after_participants(request, user, ticket)
    return _invalid(request, user, ticket, "participants", participant_form=form)


@staff_view()
@require_POST
def participant_remove(
    request: HttpRequest, user: User, reference: str, participant_id: int
) -> HttpResponse:
    """Stop copying a participant."""
    ticket = queries.ticket_get_for_user(user=user, reference=reference)
    try:
        participants.participant_remove(
            ticket=ticket, actor=user, participant_id=participant_id
        )
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        form = ParticipantForm(prefix="participant")
        add_domain_error(form, exc)
        return _invalid(request, user, ticket, "participants", participant_form=form)
    return _after_participants(request, user, ticket)


def _after_participants(
    request: HttpRequest, user: User, ticket: Ticket
) -> HttpResponse:
    if not is_htmx(request):
        return htmx_redirect(request, _ticket_url(ticket))
    return render_fragments(
        request, TEMPLATE, _context(user, ticket), "participants", ("history",)
    )
