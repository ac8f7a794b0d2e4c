"""The agent's chat console at /console/chats/: queue, several open chats, and chat actions.

Pages are HTMX; each open chat also has its own socket (messages, typing, read receipts) and
one console socket tells the page when the queue changed.
"""

from __future__ import annotations

import re

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from beacon.accounts.models import Role, Team, User
from beacon.chat import queries, services
from beacon.chat.identity import Identity
from beacon.chat.models import Conversation
from beacon.chat.views import chat_strings
from beacon.core.errors import DomainError, Invalid, NotFound
from beacon.core.htmx import is_htmx
from beacon.tickets.console.access import htmx_redirect, staff_view
from beacon.tickets.models import Macro, Ticket
from beacon.tickets.queries import macros_for_user

TEMPLATE = "chat/console.html"
PANEL = "chat/console_panel.html"
_PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\.([a-z_]+)\s*\}\}")


def _conversation(user: User, public_id: str) -> Conversation:
    try:
        return queries.conversation_get(
            identity=Identity(user=user), public_id=public_id
        )
    except NotFound as exc:
        raise Http404 from exc


def _lists(user: User) -> dict[str, object]:
    chats = queries.console_chats(user=user)
    return {
        "mine": chats["mine"],
        "queued": [(c, queries.queue_position(c)) for c in chats["queued"]],
    }


@staff_view()
@require_GET
def chat_index(request: HttpRequest, user: User) -> HttpResponse:
    """The agent's open chats side by side, and the waiting queue of their teams."""
    context = {"nav": "chats", "strings": chat_strings(), **_lists(user)}
    if is_htmx(request) and request.GET.get("part") == "lists":
        return render(request, f"{TEMPLATE}#lists", context)
    return render(request, TEMPLATE, context)


def _panel_context(user: User, conversation: Conversation) -> dict[str, object]:
    customer = conversation.customer
    other_tickets = (
        list(
            Ticket.objects.filter(customer=customer)
            .order_by("-created_at")
            .values("reference", "subject", "status")[:5]
        )
        if customer is not None
        else []
    )
    teams = Team.objects.filter(is_active=True).order_by("name_en")
    team_ids = [conversation.team_id] if conversation.team_id else []
    colleagues = (
        User.objects.filter(
            memberships__team_id__in=team_ids,
            is_active=True,
            role__in=(Role.AGENT, Role.LEAD, Role.ADMIN),
        )
        .exclude(pk=user.pk)
        .distinct()
        .order_by("display_name")
    )
    return {
        "conversation": conversation,
        "customer": customer,
        "other_tickets": other_tickets,
        "summary": (conversation.collected or {}).get("summary", ""),
        "collected": conversation.collected or {},
        "macros": list(macros_for_user(user=user).order_by("name")[:50]),
        "teams": teams,
        "colleagues": colleagues,
        "is_mine": conversation.agent_id == user.pk,
        "can_write": user.can_write_tickets,
    }


@staff_view()
@require_GET
def chat_panel(request: HttpRequest, user: User, public_id: str) -> HttpResponse:
    """One chat: transcript (loaded over its socket), customer context and the actions."""
    conversation = _conversation(user, public_id)
    return render(request, PANEL, _panel_context(user, conversation))


def _after_action(
    request: HttpRequest, user: User, conversation: Conversation
) -> HttpResponse:
    if is_htmx(request):
        fresh = _conversation(user, conversation.public_id)
        return render(request, PANEL, _panel_context(user, fresh))
    return htmx_redirect(request, "/console/chats/")


def _failed(
    request: HttpRequest, user: User, conversation: Conversation, exc: DomainError
) -> HttpResponse:
    context = {**_panel_context(user, conversation), "error": exc.message}
    return render(request, PANEL, context, status=exc.status)


@staff_view()
@require_POST
def chat_accept(request: HttpRequest, user: User, public_id: str) -> HttpResponse:
    conversation = _conversation(user, public_id)
    try:
        services.chat_accept(conversation=conversation, agent=user)
    except DomainError as exc:
        return _failed(request, user, conversation, exc)
    return _after_action(request, user, conversation)


@staff_view()
@require_POST
def chat_transfer(request: HttpRequest, user: User, public_id: str) -> HttpResponse:
    conversation = _conversation(user, public_id)
    target = request.POST.get("to", "")
    note = request.POST.get("note", "")
    try:
        kind, _sep, raw_id = target.partition(":")
        if kind not in ("agent", "team") or not raw_id.isdigit():
            raise Invalid(fields={"to": [_("Choose an agent or a team.")]})
        to_agent = (
            User.objects.filter(pk=int(raw_id)).first() if kind == "agent" else None
        )
        to_team = (
            Team.objects.filter(pk=int(raw_id), is_active=True).first()
            if kind == "team"
            else None
        )
        if to_agent is None and to_team is None:
            raise Invalid(fields={"to": [_("Choose an agent or a team.")]})
        services.chat_transfer(
            conversation=conversation,
            agent=user,
            note=note,
            to_agent=to_agent,
            to_team=to_team,
        )
    except DomainError as exc:
        return _failed(request, user, conversation, exc)
    return htmx_redirect(request, "/console/chats/")


@staff_view()
@require_POST
def chat_convert(request: HttpRequest, user: User, public_id: str) -> HttpResponse:
    conversation = _conversation(user, public_id)
    try:
        ticket = services.chat_convert(conversation=conversation, actor=user)
    except DomainError as exc:
        return _failed(request, user, conversation, exc)
    return htmx_redirect(request, f"/console/t/{ticket.reference}/")


@staff_view()
@require_POST
def chat_close(request: HttpRequest, user: User, public_id: str) -> HttpResponse:
    conversation = _conversation(user, public_id)
    try:
        services.conversation_close(
            conversation=conversation, identity=Identity(user=user)
        )
    except DomainError as exc:
        return _failed(request, user, conversation, exc)
    return htmx_redirect(request, "/console/chats/")


@staff_view()
@require_POST
def chat_suspend(request: HttpRequest, user: User, public_id: str) -> HttpResponse:
    conversation = _conversation(user, public_id)
    try:
        raw = request.POST.get("minutes", "")
        if not raw.isdigit():
            raise Invalid(fields={"minutes": [_("Choose from 1 minute to 30 days.")]})
        services.chat_suspend(
            conversation=conversation,
            agent=user,
            minutes=int(raw),
            reason=request.POST.get("reason", ""),
        )
    except DomainError as exc:
        return _failed(request, user, conversation, exc)
    return htmx_redirect(request, "/console/chats/")


@staff_view()
@require_GET
def chat_macro(request: HttpRequest, user: User, public_id: str) -> HttpResponse:
    """A canned reply filled in for this chat, as plain text for the reply box."""
    conversation = _conversation(user, public_id)
    raw = request.GET.get("macro", "")
    macro = (
        macros_for_user(user=user).filter(pk=int(raw)).first()
        if raw.isdigit()
        else None
    )
    if macro is None:
        raise Http404
    return HttpResponse(
        render_macro(macro, conversation, user),
        content_type="text/plain; charset=utf-8",
    )


def render_macro(macro: Macro, conversation: Conversation, agent: User) -> str:
    """The macro's placeholders for a chat (the same names as on tickets; unknown ones stay)."""
    customer = conversation.customer
    values = {
        ("customer", "name"): (customer.display_name or customer.email.split("@")[0])
        if customer is not None
        else "",
        ("customer", "uid"): (customer.exchange_uid or "")
        if customer is not None
        else "",
        ("ticket", "reference"): conversation.ticket.reference
        if conversation.ticket
        else "",
        ("ticket", "subject"): "",
        ("agent", "name"): agent.display_name or agent.email.split("@")[0],
    }
    return _PLACEHOLDER.sub(
        lambda m: values.get((m.group(1), m.group(2)), m.group(0)),
        macro.body_for(conversation.language),
    )
