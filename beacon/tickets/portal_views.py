"""Customer portal: open a request, follow it, reply, close and rate it.

Views stay thin: they parse the form, call one query or service and render. For HTMX requests
they render only the named template partial that changes.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from beacon.accounts.models import User
from beacon.accounts.views import home_for
from beacon.core.errors import Conflict, Invalid, TooLarge
from beacon.core.htmx import is_htmx, render_page
from beacon.tickets import participants, queries, services
from beacon.tickets.models import (
    Category,
    Channel,
    EventKind,
    Message,
    Status,
    Ticket,
    TicketEvent,
)
from beacon.tickets.portal_forms import (
    RatingForm,
    ReplyForm,
    TicketForm,
    active_categories,
    field_display,
    memo_labels,
)

PAGE_SIZE = 20
TEMPLATES = "tickets/portal/"

# What a customer reads for each status: their point of view, not the desk's.
CUSTOMER_STATUS: dict[str, Promise] = {
    Status.NEW: gettext_lazy("Received"),
    Status.OPEN: gettext_lazy("In progress"),
    Status.ON_HOLD: gettext_lazy("In progress"),
    Status.PENDING_CUSTOMER: gettext_lazy("Waiting for you"),
    Status.SOLVED: gettext_lazy("Solved"),
    Status.CLOSED: gettext_lazy("Closed"),
}
PROGRESS: list[tuple[Promise, tuple[str, ...]]] = [
    (gettext_lazy("Received"), (Status.NEW,)),
    (gettext_lazy("In progress"), (Status.OPEN, Status.ON_HOLD)),
    (gettext_lazy("Waiting for you"), (Status.PENDING_CUSTOMER,)),
    (gettext_lazy("Solved"), (Status.SOLVED,)),
    (gettext_lazy("Closed"), (Status.CLOSED,)),
]


# --- helpers -------------------------------------------------------------------------------


def customer_required(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    """Signed-in customers only: anonymous visitors go to sign-in, staff to the console."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if request.user.is_support_staff:
            return redirect("/console/")
        return view(request, *args, **kwargs)

    return wrapper


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # customer_required / login_required ran first
    return user


def _render(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    partial: str | None = None,
) -> HttpResponse:
    return render_page(request, f"{TEMPLATES}{template}", context, partial)


def _redirect(request: HttpRequest, url: str) -> HttpResponse:
    if is_htmx(request):
        return HttpResponse(status=204, headers={"HX-Redirect": url})
    return redirect(url)


def _detail_url(ticket: Ticket) -> str:
    return reverse("portal:ticket-detail", kwargs={"reference": ticket.reference})


@dataclass(frozen=True)
class Step:
    label: Promise
    state: str  # "done", "current" or "todo"


def progress_steps(status: str) -> list[Step]:
    current = next(
        index for index, (_label, statuses) in enumerate(PROGRESS) if status in statuses
    )
    return [
        Step(
            label,
            "done" if index < current else "current" if index == current else "todo",
        )
        for index, (label, _statuses) in enumerate(PROGRESS)
    ]


def _status_label(value: str) -> str:
    return str(CUSTOMER_STATUS.get(value, value))


def event_text(event: TicketEvent, customer: User) -> str:
    """One line of the public timeline, written for the customer."""
    by_customer = event.actor_id == customer.pk
    kind, field, new = event.kind, event.field, event.new_value
    if kind == EventKind.CREATED:
        return _("Request received")
    if kind == EventKind.REPLIED:
        return _("You replied") if by_customer else _("Support replied")
    if kind == EventKind.REOPENED:
        return _("Reopened by your reply") if by_customer else _("Reopened")
    if kind == EventKind.CHANGED and field == "status":
        return _("Status: %(old)s → %(new)s") % {
            "old": _status_label(event.old_value),
            "new": _status_label(new),
        }
    if kind == EventKind.CHANGED and field == "fields":
        return _("Details added: %(fields)s") % {"fields": new}
    if kind == EventKind.CHANGED and field == "category":
        return _("Moved to another category")
    if kind == EventKind.CHANGED and field == "participants":
        if new:
            return _("%(address)s now gets copies of the replies") % {"address": new}
        return _("%(address)s no longer gets copies of the replies") % {
            "address": event.old_value
        }
    if kind == EventKind.ATTACHED:
        return _("Files attached: %(names)s") % {"names": new}
    if kind == EventKind.MERGED:
        if field == "merged_into":
            return _("Merged into %(reference)s") % {"reference": new}
        return _("%(reference)s was merged into this request") % {"reference": new}
    if kind == EventKind.FOLLOW_UP:
        if field == "follow_up_of":
            return _("Follow-up of %(reference)s") % {"reference": new}
        return _("Follow-up request %(reference)s started") % {"reference": new}
    if kind == EventKind.RATED:
        return _("Rated %(rating)s out of 5") % {"rating": new}
    if kind == EventKind.INFO_REQUESTED:
        return _("Support asked for more information")
    return str(event.get_kind_display())


# --- pages ---------------------------------------------------------------------------------


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(home_for(_user(request)))
    return _render(request, "landing.html", {})


@customer_required
@require_GET
def ticket_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    language = translation.get_language()
    tickets = queries.ticket_list_for_user(
        user=user,
        filters=queries.TicketFilter(view=queries.View.ALL, sort=queries.Sort.NEWEST),
    )
    page = Paginator(tickets, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "ticket": t,
            "category": t.category.display_name(language),
            "status": _status_label(t.status),
        }
        for t in page.object_list
    ]
    return _render(request, "ticket_list.html", {"page": page, "rows": rows})


def _category_cards(categories: list[Category], language: str) -> list[dict[str, Any]]:
    zh = language.startswith("zh")
    return [
        {
            "category": c,
            "name": c.display_name(language),
            "description": (
                c.description_zh if zh and c.description_zh else c.description_en
            ),
        }
        for c in categories
    ]


@customer_required
@require_http_methods(["GET", "POST"])
def ticket_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    language = translation.get_language()
    categories = active_categories()
    slug = request.POST.get("category") or request.GET.get("category") or ""
    category = next((c for c in categories if c.slug == slug), None)
    context: dict[str, Any] = {
        "cards": _category_cards(categories, language),
        "category": category,
        "memo_labels": memo_labels(),
    }
    if category is None:
        if request.method == "POST":
            messages.error(
                request,
                _(
                    "This kind of request is no longer available. Please choose another one."
                ),
            )
        return _render(request, "ticket_new.html", context)
    context["category_name"] = category.display_name(language)
    form = TicketForm(
        request.POST or None,
        request.FILES or None,
        category=category,
        language=language,
    )
    context["form"] = form
    if request.method == "POST":
        context["files_dropped"] = bool(request.FILES)
        if form.is_valid():
            try:
                ticket = services.ticket_create(
                    customer=user,
                    subject=form.cleaned_data["subject"],
                    description=form.cleaned_data["description"],
                    category=category,
                    fields=form.structured_values(),
                    uploads=form.cleaned_data["attachments"],
                    channel=Channel.WEB,
                    language=language,
                    require_fields=True,
                )
            except (Invalid, TooLarge) as exc:
                form.add_domain_error(exc)
            else:
                messages.success(
                    request,
                    _("We received your request. Your reference is %(reference)s.")
                    % {"reference": ticket.reference},
                )
                return redirect(_detail_url(ticket))
        return _render(request, "ticket_new.html", context)
    # Switching category swaps only the structured fields, so subject and description stay.
    return _render(request, "ticket_new.html", context, partial="category_switch")


def _detail_context(
    request: HttpRequest, ticket: Ticket, **forms: Any
) -> dict[str, Any]:
    user = _user(request)
    language = translation.get_language()
    # The same rule as services.reply_add: within the window a reply reopens, after it a
    # reply starts a follow-up.
    solved_at = ticket.solved_at or ticket.updated_at
    solved_recently = (
        ticket.status == Status.SOLVED
        and timezone.now() - solved_at <= timedelta(days=settings.REOPEN_WINDOW_DAYS)
    )
    context: dict[str, Any] = {
        "ticket": ticket,
        "status_label": _status_label(ticket.status),
        "category_name": ticket.category.display_name(language),
        "steps": progress_steps(ticket.status),
        "fields": field_display(ticket, language),
        "conversation": list(queries.messages_for_user(user=user, ticket=ticket)),
        "ticket_attachments": list(ticket.attachments.filter(message__isnull=True)),
        "events": [
            (event, event_text(event, user))
            for event in queries.events_for_user(user=user, ticket=ticket)
        ],
        "follow_ups": list(ticket.follow_ups.all()),
        "participants": participants.participant_addresses(ticket),
        "can_close": ticket.status not in (Status.SOLVED, Status.CLOSED),
        # A merged request is rated where it continues.
        "can_rate": ticket.status in (Status.SOLVED, Status.CLOSED)
        and ticket.rating is None
        and ticket.merged_into_id is None,
        # Replying after the reopen window (or once closed) starts a linked follow-up request.
        "starts_follow_up": ticket.is_closed
        or (ticket.status == Status.SOLVED and not solved_recently),
        "reopens": solved_recently,
        "memo_labels": memo_labels(),
    }
    context["reply_form"] = forms.get("reply_form") or ReplyForm(
        ticket=ticket, language=language
    )
    context["rating_form"] = forms.get("rating_form") or RatingForm()
    context["notice"] = forms.get("notice", "")
    return context


@customer_required
@require_GET
def ticket_detail(request: HttpRequest, reference: str) -> HttpResponse:
    ticket = queries.ticket_get_for_user(user=_user(request), reference=reference)
    return _render(request, "ticket_detail.html", _detail_context(request, ticket))


@customer_required
@require_POST
def ticket_reply(request: HttpRequest, reference: str) -> HttpResponse:
    user = _user(request)
    ticket = queries.ticket_get_for_user(user=user, reference=reference)
    language = translation.get_language()
    form = ReplyForm(request.POST, request.FILES, ticket=ticket, language=language)
    if form.is_valid():
        try:
            message: Message = services.reply_add(
                ticket=ticket,
                author=user,
                body=form.cleaned_data["body"],
                uploads=form.cleaned_data["attachments"],
                channel=Channel.WEB,
                fields=form.structured_values() or None,
            )
        except (Invalid, TooLarge) as exc:
            form.add_domain_error(exc)
        except Conflict as exc:
            form.add_error(None, exc.message)
        else:
            if message.ticket_id != ticket.pk:
                follow_up = message.ticket
                messages.success(
                    request,
                    _(
                        "We started a follow-up request, %(reference)s, linked to %(previous)s."
                    )
                    % {"reference": follow_up.reference, "previous": ticket.reference},
                )
                return _redirect(request, _detail_url(follow_up))
            if not is_htmx(request):
                messages.success(request, _("Your reply was sent."))
                return redirect(_detail_url(ticket) + "#conversation")
            ticket = queries.ticket_get_for_user(user=user, reference=reference)
            return _render(
                request,
                "ticket_detail.html",
                _detail_context(request, ticket, notice=_("Your reply was sent.")),
                partial="reply_response",
            )
    context = _detail_context(request, ticket, reply_form=form)
    context["files_dropped"] = bool(request.FILES)
    return _render(request, "ticket_detail.html", context, partial="reply_response")


@customer_required
@require_POST
def ticket_close(request: HttpRequest, reference: str) -> HttpResponse:
    user = _user(request)
    ticket = queries.ticket_get_for_user(user=user, reference=reference)
    try:
        services.ticket_close_by_customer(ticket=ticket, customer=user)
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _(
                "Thank you. We marked this request as solved; you can still rate our help below."
            ),
        )
    return redirect(_detail_url(ticket))


@customer_required
@require_POST
def ticket_rate(request: HttpRequest, reference: str) -> HttpResponse:
    user = _user(request)
    ticket = queries.ticket_get_for_user(user=user, reference=reference)
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            services.ticket_rate(
                ticket=ticket,
                customer=user,
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data["comment"],
            )
        except Conflict as exc:
            messages.error(request, exc.message)
            return redirect(_detail_url(ticket))
        except Invalid as exc:
            form.add_error("rating", exc.fields.get("rating") or exc.message)
        else:
            messages.success(request, _("Thank you for your rating."))
            return redirect(_detail_url(ticket))
    return _render(
        request,
        "ticket_detail.html",
        _detail_context(request, ticket, rating_form=form),
    )
