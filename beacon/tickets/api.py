"""Tickets API (/api/v1): thin handlers over tickets.queries (reads) and tickets.services (writes).

Access rules live in queries: a ticket the caller may not see is a 404 exactly like a missing
one; a visible ticket with an action the caller's role may not take is a 403.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from django.db.models import ForeignKey, Model, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.errors import AuthenticationError
from ninja.params import HeaderEx, P
from ninja.responses import Status as Respond

from beacon.accounts.models import Language, Role, Team, User
from beacon.core import chains
from beacon.core.errors import Invalid, NotFound, PermissionDenied
from beacon.core.prepared import PreparedQuery
from beacon.tickets import participants, queries
from beacon.tickets.batching import ticket_create_batched
from beacon.tickets.form_fields import FieldType, parse_specs
from beacon.tickets.models import (
    Attachment,
    Category,
    Channel,
    EventKind,
    IdempotencyKey,
    Message,
    MessageKind,
    ParticipantSource,
    Status,
    Ticket,
    TicketEvent,
    TicketParticipant,
)
from beacon.tickets.schemas import (
    AttachmentOut,
    CategoryListOut,
    CategoryOut,
    ChoiceOut,
    CustomerOut,
    ErrorOut,
    EventOut,
    FieldSpecOut,
    MeOut,
    MessageIn,
    MessageOut,
    NetworkOut,
    NoteIn,
    ParticipantIn,
    ParticipantOut,
    TeamOut,
    TicketDetailOut,
    TicketIn,
    TicketListOut,
    TicketOut,
    TicketPatch,
    TicketQuery,
    TicketSummaryOut,
)
from beacon.tickets.services import NewTicket, reply_add, ticket_update
from beacon.triage.pii import pii_for

router = Router(tags=["tickets"])

# Documented error responses; the bodies come from the handlers in beacon/api.py.
_READ_ERRORS: dict[int, type[ErrorOut]] = {
    400: ErrorOut,
    401: ErrorOut,
    404: ErrorOut,
    422: ErrorOut,
}
_WRITE_ERRORS: dict[int, type[ErrorOut]] = {
    **_READ_ERRORS,
    403: ErrorOut,
    409: ErrorOut,
    413: ErrorOut,
}


def _caller(request: HttpRequest) -> User:
    """The user TokenAuth or SessionAuth authenticated (ninja stores it on request.auth)."""
    user = getattr(request, "auth", None)
    if not isinstance(user, User):
        raise AuthenticationError
    return user


def _ticket_for(user: User, reference: str) -> Ticket:
    # A path that cannot be a reference is a 404 like any other, without reaching the database
    # (PostgreSQL refuses NUL characters in a query parameter).
    if len(reference) > 32 or "\x00" in reference:
        raise NotFound
    return queries.ticket_get_for_user(user=user, reference=reference)


# --- who am I, categories -------------------------------------------------------------------


# The caller's teams by English name: integrations call /me to check their token, and the
# queryset's compiling cost more than the rest of the request's own work.
_TEAMS_OF = PreparedQuery(
    lambda user_id: Team.objects.filter(memberships__user_id=user_id).order_by(
        "name_en", "pk"
    ),
    user_id=int,
)


@router.get("/me", response={200: MeOut, **_READ_ERRORS})
def me(request: HttpRequest) -> MeOut:
    """The authenticated user: role, language and teams."""
    user = _caller(request)
    teams = _TEAMS_OF.all(user_id=user.pk)
    return MeOut(
        email=user.email,
        display_name=user.display_name,
        role=Role(user.role),
        language=Language(user.language),
        exchange_uid=user.exchange_uid,
        teams=[
            TeamOut(slug=team.slug, name=team.display_name(user.language))
            for team in teams
        ],
    )


@router.get("/categories", response={200: CategoryListOut, **_READ_ERRORS})
def categories(request: HttpRequest) -> CategoryListOut:
    """Active categories with their structured form fields, and the networks a network field accepts."""
    language = _caller(request).language
    networks = [
        NetworkOut(code=n.code, name=n.name, memo_label=n.memo_label)
        for n in chains.NETWORKS.values()
    ]
    network_choices = [
        ChoiceOut(value=code, label=name) for code, name in chains.network_choices()
    ]
    items = []
    for category in Category.objects.filter(is_active=True):
        fields = []
        for spec in parse_specs(category.form_fields):
            if spec.type == FieldType.NETWORK:
                choices = network_choices
            else:
                choices = [
                    ChoiceOut(value=value, label=label)
                    for value, label in spec.choice_options(language)
                ]
            fields.append(
                FieldSpecOut(
                    name=spec.name,
                    type=spec.type,
                    required=spec.required,
                    label=spec.label(language),
                    label_en=spec.label_en,
                    label_zh=spec.label_zh,
                    choices=choices,
                )
            )
        description = (
            category.description_zh
            if language.startswith("zh") and category.description_zh
            else category.description_en
        )
        items.append(
            CategoryOut(
                slug=category.slug,
                name=category.display_name(language),
                description=description,
                is_security=category.is_security,
                fields=fields,
            )
        )
    return CategoryListOut(items=items, networks=networks)


# --- ticket list and create -----------------------------------------------------------------


@router.get("/tickets", response={200: TicketListOut, **_READ_ERRORS})
def list_tickets(request: HttpRequest, filters: Query[TicketQuery]) -> TicketListOut:
    """Tickets the caller can see, newest first by default; follow `next_cursor` for more."""
    user = _caller(request)
    if not user.is_support_staff:
        # Tags and assignees are internal: filtering on them would let a customer probe them.
        refused = {
            name: [_("Only support staff can filter on this.")]
            for name in ("tag", "assignee")
            if getattr(filters, name)
        }
        if refused:
            raise PermissionDenied(fields=refused)
    # Slugs and emails are matched through the joins the list makes anyway, so a filter costs
    # no lookup; an unknown one simply matches nothing. Only the columns a list row shows come
    # back, as plain values: no descriptions, search text, JSON columns or the people's other
    # columns, and no model instances (queries.paginate_values).
    lookups: dict[str, str] = {}
    if filters.team:
        lookups["team__slug"] = filters.team
    if filters.category:
        lookups["category__slug"] = filters.category
    if filters.assignee:
        lookups["assignee__email"] = filters.assignee.strip().lower()
    page = queries.ticket_page_for_user(
        user=user,
        filters=queries.TicketFilter(
            view=filters.view,
            status=filters.status or "",
            priority=filters.priority,
            channel=filters.channel or "",
            tag=filters.tag or "",
            q=filters.q or "",
            sort=filters.sort,
        ),
        cursor=filters.cursor,
        limit=filters.limit,
        fields=_SUMMARY_COLUMNS,
        lookups=lookups,
    )
    # Tag names in one plain query (a prefetch builds a Tag and a queryset per row); customers
    # never get tags.
    tags = (
        queries.tag_names_by_ticket([row["id"] for row in page.items])
        if user.is_support_staff
        else {}
    )
    return TicketListOut(
        items=[
            TicketSummaryOut(**_summary_from_row(row, user, tags.get(row["id"], [])))
            for row in page.items
        ],
        next_cursor=page.next_cursor,
    )


# A list row's columns, by the names Ticket.objects.values() gives them.
_SUMMARY_COLUMNS = (
    "reference",
    "subject",
    "status",
    "priority",
    "channel",
    "language",
    "created_at",
    "updated_at",
    "first_response_at",
    "solved_at",
    "closed_at",
    "category__slug",
    "category__name_en",
    "category__name_zh",
    "team__slug",
    "assignee__email",
    "customer__email",
    "customer__display_name",
    "customer__exchange_uid",
)

_IDEMPOTENCY_KEY = P(
    alias="Idempotency-Key",
    min_length=1,
    max_length=255,
    description="Repeat a create safely: the same key and body return the first ticket (200) instead of a new one.",
)


@router.post("/tickets", response={200: TicketOut, 201: TicketOut, **_WRITE_ERRORS})
def create_ticket(
    request: HttpRequest,
    payload: TicketIn,
    idempotency_key: HeaderEx[str | None, _IDEMPOTENCY_KEY] = None,
) -> Respond[TicketOut]:
    """Open a ticket. Customers open their own; staff open one for the customer named by
    `customer_email` or `customer_uid`. Missing required fields do not fail the request: the ticket
    waits in pending_customer and the customer is asked for them. Invalid values are a 422."""
    user = _caller(request)
    if user.is_support_staff and not user.can_write_tickets:
        raise PermissionDenied(_("Auditors have read-only access."))
    customer = _customer_for(user, payload)
    category = queries.active_category(payload.category)
    if category is None:
        raise Invalid(fields={"category": [_("Unknown category.")]})
    # A replay answers 200 rather than 201, so the client can tell it created nothing.
    replayed = (
        bool(idempotency_key)
        and _IDEMPOTENCY_KEY_USED.first(user_id=user.pk, key=idempotency_key)
        is not None
    )
    item = NewTicket(
        customer=customer,
        subject=payload.subject,
        description=payload.description,
        category=category,
        fields=payload.fields,
        channel=Channel.API,
        language=payload.language,
        priority=payload.priority,
        tags=payload.tags,
        created_by=user,
        idempotency_key=idempotency_key,
    )
    # A replay is answered by ticket_create itself; a new ticket joins this process's next
    # group commit (tickets/batching.py).
    ticket = item.create_alone() if replayed else ticket_create_batched(item)
    _reuse(ticket, category=category, customer=customer, team=category.default_team)
    # Only staff send tags, so a customer's create never pays for the tags query.
    tags = _tag_names(ticket) if payload.tags or replayed else []
    # Participants join from email and by agents, never at an API create: a new ticket has none.
    copied: list[TicketParticipant] | None = None if replayed else []
    return Respond(
        200 if replayed else 201, _ticket_out(ticket, user, tags=tags, copied=copied)
    )


# Whether the caller used this Idempotency-Key before (every create that sends one).
_IDEMPOTENCY_KEY_USED = PreparedQuery(
    lambda user_id, key: IdempotencyKey.objects.filter(
        user_id=user_id, key=key
    ).values_list("pk")[:1],
    user_id=int,
    key=str,
)


def _active_customers() -> QuerySet[User]:
    return User.objects.filter(role=Role.CUSTOMER, is_active=True).order_by("pk")


# The customer lookups of every staff create, compiled once (beacon/core/prepared.py).
_CUSTOMER_BY_EMAIL = PreparedQuery(
    lambda email: _active_customers().filter(email=email)[:1], email=str
)
_CUSTOMER_BY_UID = PreparedQuery(
    lambda uid: _active_customers().filter(exchange_uid=uid)[:1], uid=str
)
_CUSTOMER_BY_EMAIL_AND_UID = PreparedQuery(
    lambda email, uid: _active_customers().filter(email=email, exchange_uid=uid)[:1],
    email=str,
    uid=str,
)


def _customer_for(user: User, payload: TicketIn) -> User:
    """The customer a create is for: the caller, or for staff the one named in the body."""
    if user.is_customer:
        refused = {
            name: [_("Only support staff can set this.")]
            for name in ("customer_email", "customer_uid", "priority", "tags")
            if getattr(payload, name)
        }
        if refused:
            raise PermissionDenied(fields=refused)
        return user
    if not payload.customer_email and not payload.customer_uid:
        raise Invalid(
            fields={"customer_email": [_("Give the customer's email or exchange UID.")]}
        )
    email = payload.customer_email.strip().lower() if payload.customer_email else None
    uid = payload.customer_uid.strip() if payload.customer_uid else None
    customer: User | None
    if email is not None and uid is not None:
        customer = _CUSTOMER_BY_EMAIL_AND_UID.first(email=email, uid=uid)
    elif email is not None:
        customer = _CUSTOMER_BY_EMAIL.first(email=email)
    else:
        customer = _CUSTOMER_BY_UID.first(uid=uid)
    if customer is None:
        field = "customer_email" if payload.customer_email else "customer_uid"
        raise Invalid(fields={field: [_("No active customer matches this.")]})
    return customer


# --- one ticket -----------------------------------------------------------------------------


@router.get("/tickets/{reference}", response={200: TicketDetailOut, **_READ_ERRORS})
def ticket_detail(request: HttpRequest, reference: str) -> TicketDetailOut:
    """A ticket with its conversation, history and attachments. Customers never see internal
    notes or internal history."""
    user = _caller(request)
    ticket = _ticket_for(user, reference)
    # One attachments query for the whole ticket instead of a prefetch per message.
    messages = list(
        queries.messages_for_user(user=user, ticket=ticket).prefetch_related(None)
    )
    events = list(queries.events_for_user(user=user, ticket=ticket))
    attachments = Attachment.objects.filter(ticket=ticket).order_by("created_at", "id")
    if not user.is_support_staff:
        attachments = attachments.exclude(message__kind=MessageKind.NOTE)
    by_message: dict[int | None, list[AttachmentOut]] = defaultdict(list)
    all_attachments = []
    for attachment in attachments:
        out = _attachment_out(attachment)
        by_message[attachment.message_id].append(out)
        all_attachments.append(out)
    return TicketDetailOut(
        **_ticket_fields(
            ticket, user, tags=_tag_names(ticket) if user.is_support_staff else []
        ),
        messages=[
            _message_out(message, ticket, by_message.get(message.pk, []), user)
            for message in messages
        ],
        events=[_event_out(event) for event in events],
        attachments=all_attachments,
    )


@router.patch("/tickets/{reference}", response={200: TicketOut, **_WRITE_ERRORS})
def update_ticket(
    request: HttpRequest, reference: str, payload: TicketPatch
) -> TicketOut:
    """Change status, priority, category, team, assignee or tags (support staff who can write)."""
    user = _caller(request)
    ticket = _ticket_for(user, reference)
    if not user.can_write_tickets:
        raise PermissionDenied(
            _("Auditors have read-only access.") if user.is_support_staff else None
        )
    sent = payload.model_fields_set
    changes: dict[str, Any] = {
        name: getattr(payload, name)
        for name in ("status", "priority", "tags")
        if name in sent
    }
    errors: dict[str, list[str]] = {}
    # An empty string counts as null: for team and assignee it clears them, for category it is refused by the service.
    lookups: dict[str, tuple[QuerySet[Any], str, str]] = {
        "category": (Category.objects.all(), "slug", _("Unknown category.")),
        "team": (Team.objects.all(), "slug", _("Unknown team.")),
        "assignee": (User.objects.all(), "email", _("No user has this email.")),
    }
    for name, (candidates, key, unknown) in lookups.items():
        if name not in sent:
            continue
        value = (getattr(payload, name) or "").strip()
        if name == "assignee":
            value = value.lower()
        changes[name] = candidates.filter(**{key: value}).first() if value else None
        if value and changes[name] is None:
            errors[name] = [unknown]
    if errors:
        raise Invalid(fields=errors)
    updated = ticket_update(ticket=ticket, actor=user, changes=changes)
    _reuse(
        updated,
        **{
            name: getattr(ticket, name)
            for name in (
                "category",
                "team",
                "assignee",
                "customer",
                "merged_into",
                "follow_up_of",
            )
        },
    )
    tags = sorted(changes["tags"]) if "tags" in changes else _tag_names(updated)
    return _ticket_out(updated, user, tags=tags)


@router.post(
    "/tickets/{reference}/replies", response={201: MessageOut, **_WRITE_ERRORS}
)
def add_reply(
    request: HttpRequest, reference: str, payload: MessageIn
) -> Respond[MessageOut]:
    """Reply to the customer, or as the customer. A customer's reply to a closed ticket opens a
    linked follow-up; the response's `ticket` then names the follow-up."""
    user = _caller(request)
    ticket = _ticket_for(user, reference)
    refused: dict[str, list[str]] = {}
    if user.is_customer and payload.status is not None:
        refused["status"] = [_("Only support staff can set this.")]
    if not user.is_customer and payload.fields is not None:
        refused["fields"] = [_("Only customers can send this.")]
    if refused:
        raise PermissionDenied(fields=refused)
    message = reply_add(
        ticket=ticket,
        author=user,
        body=payload.body,
        channel=Channel.API,
        fields=payload.fields,
        set_status=payload.status,
    )
    return Respond(201, _message_out(message, message.ticket, [], user))


@router.post("/tickets/{reference}/notes", response={201: MessageOut, **_WRITE_ERRORS})
def add_note(
    request: HttpRequest, reference: str, payload: NoteIn
) -> Respond[MessageOut]:
    """Add an internal note (support staff only; customers never see notes)."""
    user = _caller(request)
    ticket = _ticket_for(user, reference)
    if not user.is_support_staff:
        raise PermissionDenied
    message = reply_add(
        ticket=ticket,
        author=user,
        body=payload.body,
        kind=MessageKind.NOTE,
        channel=Channel.API,
        set_status=payload.status,
    )
    return Respond(201, _message_out(message, message.ticket, [], user))


@router.post(
    "/tickets/{reference}/participants",
    response={201: ParticipantOut, **_WRITE_ERRORS},
)
def add_participant(
    request: HttpRequest, reference: str, payload: ParticipantIn
) -> Respond[ParticipantOut]:
    """Copy an address on the ticket's email (support staff who can write). Agents' public
    replies then go to the customer with the participants in Cc."""
    user = _caller(request)
    ticket = _ticket_for(user, reference)
    participant = participants.participant_add(
        ticket=ticket, actor=user, address=payload.email
    )
    return Respond(201, _participant_out(participant, user))


@router.delete(
    "/tickets/{reference}/participants/{participant_id}",
    response={204: None, **_WRITE_ERRORS},
)
def remove_participant(
    request: HttpRequest, reference: str, participant_id: int
) -> Respond[None]:
    """Stop copying a participant (support staff who can write)."""
    user = _caller(request)
    ticket = _ticket_for(user, reference)
    participants.participant_remove(
        ticket=ticket, actor=user, participant_id=participant_id
    )
    return Respond(204, None)


# --- building responses ---------------------------------------------------------------------


def _reuse(ticket: Ticket, **related: Model | None) -> None:
    """Give `ticket` related objects already loaded elsewhere in this request, where they are
    still the ones it points to, so building the response does not fetch them again."""
    for name, value in related.items():
        field = Ticket._meta.get_field(name)
        assert isinstance(field, ForeignKey)
        if field.is_cached(ticket):
            continue
        if getattr(ticket, field.attname) == (value.pk if value is not None else None):
            field.set_cached_value(ticket, value)


def _tag_names(ticket: Ticket) -> list[str]:
    return sorted(tag.name for tag in ticket.tags.all())


def _person(user: User | None) -> str | None:
    if user is None:
        return None
    return user.display_name or user.email.split("@")[0]


def _summary_fields(
    ticket: Ticket, viewer: User, tags: Iterable[str]
) -> dict[str, Any]:
    """As _summary_from_row, for a loaded ticket: its _SUMMARY_COLUMNS read through its
    relations (None past a relation that is not set)."""
    row: dict[str, Any] = {}
    for name in _SUMMARY_COLUMNS:
        value: Any = ticket
        for part in name.split("__"):
            value = None if value is None else getattr(value, part)
        row[name] = value
    return _summary_from_row(row, viewer, tags)


def _summary_from_row(
    row: Mapping[str, Any], viewer: User, tags: Iterable[str]
) -> dict[str, Any]:
    """A TicketSummaryOut's fields from a row of _SUMMARY_COLUMNS, as the viewer may see them."""
    staff = viewer.is_support_staff
    return {
        "reference": row["reference"],
        "subject": pii_for(viewer, row["subject"]),
        "status": row["status"],
        "priority": row["priority"],
        "channel": row["channel"],
        "language": row["language"],
        "category": row["category__slug"],
        "category_name": Category.name_in(
            viewer.language,
            name_en=row["category__name_en"],
            name_zh=row["category__name_zh"],
        ),
        "team": row["team__slug"],
        "assignee": row["assignee__email"] if staff else None,
        "customer": CustomerOut(
            email=pii_for(viewer, row["customer__email"]),
            display_name=row["customer__display_name"],
            exchange_uid=row["customer__exchange_uid"],
        ),
        "tags": list(tags) if staff else [],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "first_response_at": row["first_response_at"],
        "solved_at": row["solved_at"],
        "closed_at": row["closed_at"],
    }


def _ticket_fields(
    ticket: Ticket,
    viewer: User,
    *,
    tags: Iterable[str],
    copied: Iterable[TicketParticipant] | None = None,
) -> dict[str, Any]:
    """`copied`: the ticket's participants when the caller knows them (None: read them)."""
    return {
        **_summary_fields(ticket, viewer, tags),
        "description": pii_for(viewer, ticket.description),
        "fields": {
            name: pii_for(viewer, value) for name, value in ticket.fields.items()
        },
        "missing_fields": ticket.missing_fields,
        "merged_into": ticket.merged_into.reference
        if ticket.merged_into is not None
        else None,
        "follow_up_of": ticket.follow_up_of.reference
        if ticket.follow_up_of is not None
        else None,
        "rating": ticket.rating,
        "participants": [
            _participant_out(participant, viewer)
            for participant in (
                participants.participants_of(ticket) if copied is None else copied
            )
        ],
    }


def _participant_out(participant: TicketParticipant, viewer: User) -> ParticipantOut:
    return ParticipantOut(
        id=participant.pk,
        email=pii_for(viewer, participant.address),
        has_account=participant.user_id is not None,
        source=ParticipantSource(participant.source),
        created_at=participant.created_at,
    )


def _ticket_out(
    ticket: Ticket,
    viewer: User,
    *,
    tags: Iterable[str],
    copied: Iterable[TicketParticipant] | None = None,
) -> TicketOut:
    return TicketOut(**_ticket_fields(ticket, viewer, tags=tags, copied=copied))


def _attachment_out(attachment: Attachment) -> AttachmentOut:
    return AttachmentOut(
        name=attachment.original_name,
        content_type=attachment.content_type,
        size=attachment.size,
        sha256=attachment.sha256,
        # Served by the attachment download page, which checks access again.
        url=f"/attachments/{attachment.token}/",
        created_at=attachment.created_at,
    )


def _message_out(
    message: Message, ticket: Ticket, attachments: list[AttachmentOut], viewer: User
) -> MessageOut:
    return MessageOut(
        ticket=ticket.reference,
        ticket_status=Status(ticket.status),
        kind=MessageKind(message.kind),
        body=pii_for(viewer, message.body),
        from_customer=message.from_customer,
        author=_person(message.author),
        channel=Channel(message.channel),
        created_at=message.created_at,
        attachments=attachments,
    )


def _event_out(event: TicketEvent) -> EventOut:
    return EventOut(
        kind=EventKind(event.kind),
        field=event.field,
        old_value=event.old_value,
        new_value=event.new_value,
        actor=_person(event.actor),
        public=event.public,
        created_at=event.created_at,
    )
