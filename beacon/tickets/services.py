"""Every change to a ticket goes through one of these functions (views, API, jobs and commands alike).

Each runs in one transaction, records history and audit rows, and defers side effects
(notifications, triage, indexing) to `transaction.on_commit`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from beacon.accounts.models import Role, Team, User
from beacon.audit.services import audit_record, audit_record_many
from beacon.core.bulk import insert_returning, insert_rows
from beacon.core.errors import Conflict, Invalid, PermissionDenied
from beacon.core.text import search_text
from beacon.routing.matching import evaluate
from beacon.routing.queries import active_rules
from beacon.routing.services import routing_apply, ticket_facts
from beacon.tickets import hooks, participants
from beacon.tickets.attachments import CheckedFile, check_uploads
from beacon.tickets.form_fields import FieldCheck, check_fields, parse_specs
from beacon.tickets.models import (
    ACTIVE_STATUSES,
    Attachment,
    Category,
    Channel,
    EventKind,
    IdempotencyKey,
    LinkKind,
    Macro,
    Message,
    MessageKind,
    Priority,
    Status,
    Tag,
    Ticket,
    TicketEvent,
    TicketLink,
)
from beacon.tickets.reference import new_reference
from beacon.tickets.rules import require_open as _require_open
from beacon.triage import safety

SUBJECT_MAX = 200
BODY_MAX = 20_000
TAG_RE = re.compile(r"^[\w.:-]{1,50}$", re.UNICODE)


# --- helpers -------------------------------------------------------------------------------


def _require_writer(actor: User) -> None:
    if actor.is_support_staff and not actor.can_write_tickets:
        raise PermissionDenied(_("Auditors have read-only access."))


def _clean_text(value: str, *, field: str, limit: int) -> str:
    text = (value or "").strip()
    if not text:
        raise Invalid(fields={field: [_("This field is required.")]})
    if len(text) > limit:
        raise Invalid(
            fields={field: [_("At most %(limit)s characters.") % {"limit": limit}]}
        )
    return text


def _event(
    ticket: Ticket,
    actor: User | None,
    kind: str,
    field: str = "",
    old: Any = "",
    new: Any = "",
    *,
    public: bool = True,
) -> TicketEvent:
    return TicketEvent.objects.create(
        ticket=ticket,
        actor=actor,
        kind=kind,
        field=field,
        old_value=str(old)[:255],
        new_value=str(new)[:255],
        public=public,
    )


def _store_attachments(
    ticket: Ticket,
    message: Message | None,
    files: Sequence[CheckedFile],
    actor: User | None,
) -> list[Attachment]:
    stored = []
    for checked in files:
        attachment = Attachment(
            ticket=ticket,
            message=message,
            token=checked.token,
            original_name=checked.name,
            content_type=checked.content_type,
            size=checked.size,
            sha256=checked.sha256,
            uploaded_by=actor,
        )
        # Stored under a random name: the customer's file name never reaches the file system.
        attachment.file.save(
            f"{checked.token}{checked.name[checked.name.rfind('.') :]}",
            checked.upload,
            save=False,
        )
        attachment.save()
        stored.append(attachment)
    if stored:
        _event(
            ticket,
            actor,
            EventKind.ATTACHED,
            "attachments",
            "",
            ", ".join(a.original_name for a in stored),
            public=message is None or message.is_public,
        )
    return stored


def _refresh_search_text(ticket: Ticket) -> None:
    replies = (
        Message.objects.filter(ticket=ticket)
        .exclude(kind=MessageKind.NOTE)
        .values_list("body", flat=True)
    )
    ticket.search_text = search_text(
        ticket.reference, ticket.subject, ticket.description, *replies
    )


def missing_fields_message(ticket: Ticket) -> str:
    """A fixed text in the ticket's language naming exactly the fields still needed."""
    specs = {spec.name: spec for spec in parse_specs(ticket.category.form_fields)}
    with translation.override(ticket.language):
        labels = [
            specs[name].label(ticket.language) if name in specs else name
            for name in ticket.missing_fields
        ]
        return _(
            "To continue we need the following information: %(fields)s. Please reply with these details."
        ) % {"fields": ", ".join(labels)}


# --- create --------------------------------------------------------------------------------


def _request_hash(payload: dict[str, Any]) -> str:
    return hashlib.sha256(
        json.dumps(payload, sort_keys=True, default=str).encode()
    ).hexdigest()


def create_request_hash(
    *,
    customer: User,
    subject: str,
    description: str,
    category: Category,
    values: dict[str, Any],
    channel: str,
    priority: int | None,
    tags: Iterable[str],
) -> str:
    """What an Idempotency-Key is bound to: the create's checked (masked) content."""
    return _request_hash(
        {
            "customer": customer.pk,
            "subject": subject,
            "description": description,
            "category": category.pk,
            "fields": values,
            "channel": channel,
            "priority": priority,
            "tags": sorted(tags),
        }
    )


def ticket_create(
    *,
    customer: User,
    subject: str,
    description: str,
    category: Category,
    fields: dict[str, Any] | None = None,
    channel: str = Channel.WEB,
    language: str | None = None,
    priority: int | None = None,
    tags: Iterable[str] = (),
    uploads: Sequence[UploadedFile[bytes]] = (),
    created_by: User | None = None,
    require_fields: bool = True,
    idempotency_key: str | None = None,
) -> Ticket:
    """Open a ticket for `customer`.

    With `require_fields` (the portal's form) every required structured field must be present.
    Without it (email, API) a ticket missing some of them is still created, in pending customer,
    and the customer is asked for exactly what is missing. Invalid values are refused either way.
    With `idempotency_key`, a retried call by the same creator returns the first ticket; the same
    key with a different request is a conflict.
    """
    actor = created_by or customer
    _require_writer(actor)
    subject, description, check, clean_tags, secret_kinds = _checked_create(
        customer=customer,
        subject=subject,
        description=description,
        category=category,
        fields=fields,
        priority=priority,
        tags=tags,
        require_fields=require_fields,
    )
    checked_files = check_uploads(list(uploads))

    request_hash = ""
    if idempotency_key:
        request_hash = create_request_hash(
            customer=customer,
            subject=subject,
            description=description,
            category=category,
            values=check.values,
            channel=channel,
            priority=priority,
            tags=clean_tags,
        )
        existing = _idempotent_replay(actor, idempotency_key, request_hash)
        if existing is not None:
            return existing

    try:
        with transaction.atomic():
            ticket = _insert_ticket(
                customer=customer,
                actor=actor,
                subject=subject,
                description=description,
                category=category,
                values=check.values,
                missing=[] if require_fields else check.missing,
                channel=channel,
                language=language or customer.language,
                priority=priority,
                tags=clean_tags,
                files=checked_files,
            )
            safety.secrets_exposed(ticket=ticket, author=customer, kinds=secret_kinds)
            if idempotency_key:
                IdempotencyKey.objects.create(
                    user=actor,
                    key=idempotency_key,
                    request_hash=request_hash,
                    ticket=ticket,
                )
            # Outbox rows (notifications) commit with the change.
            hooks.in_transaction_objects("ticket_created", [ticket])
    except IntegrityError:
        # Two retries raced: the other one committed first, so return its ticket.
        if idempotency_key:
            existing = _idempotent_replay(actor, idempotency_key, request_hash)
            if existing is not None:
                return existing
        raise
    hooks.after_commit("ticket_created", ticket.pk)
    return ticket


def _checked_create(
    *,
    customer: User,
    subject: str,
    description: str,
    category: Category,
    fields: dict[str, Any] | None,
    priority: int | None,
    tags: Iterable[str],
    require_fields: bool,
) -> tuple[str, str, FieldCheck, list[str], set[str]]:
    """ticket_create's checks: (subject, description, field check, tags, secret kinds found)."""
    if not customer.is_customer:
        raise Invalid(fields={"customer": [_("Tickets are opened for customers.")]})
    if not category.is_active:
        raise Invalid(fields={"category": [_("This category is not available.")]})
    # Secrets are masked before anything is checked or stored (beacon/triage/safety.py).
    secret_kinds: set[str] = set()
    subject = _clean_text(
        safety.mask_text(subject, secret_kinds), field="subject", limit=SUBJECT_MAX
    )
    description = _clean_text(
        safety.mask_text(description, secret_kinds),
        field="description",
        limit=BODY_MAX,
    )
    specs = parse_specs(category.form_fields)
    check = check_fields(specs, safety.mask_fields(fields or {}, specs, secret_kinds))
    errors = dict(check.errors)
    if require_fields:
        for name in check.missing:
            errors.setdefault(name, [_("This field is required.")])
    if priority is not None and priority not in Priority.values:
        errors["priority"] = [_("Choose a priority from 1 (urgent) to 4 (low).")]
    clean_tags = _clean_tags(tags, errors)
    if errors:
        raise Invalid(fields=errors)
    return subject, description, check, clean_tags, secret_kinds


@dataclass(frozen=True)
class NewTicket:
    """One ticket for `tickets_create_many` (ticket_create's arguments, without uploads and
    required fields: a ticket missing some waits in pending customer, as from email or API)."""

    customer: User
    subject: str
    description: str
    category: Category
    channel: str = Channel.WEB
    language: str | None = None
    tags: Sequence[str] = ()
    fields: dict[str, Any] | None = None
    priority: int | None = None
    created_by: User | None = None
    idempotency_key: str | None = None

    @property
    def actor(self) -> User:
        return self.created_by or self.customer

    def create_alone(self) -> Ticket:
        """This item through ticket_create (its own checks, transaction and races)."""
        return ticket_create(
            customer=self.customer,
            subject=self.subject,
            description=self.description,
            category=self.category,
            fields=self.fields,
            channel=self.channel,
            language=self.language,
            priority=self.priority,
            tags=self.tags,
            created_by=self.created_by,
            require_fields=False,
            idempotency_key=self.idempotency_key,
        )


def tickets_create_many(
    *,
    items: Sequence[NewTicket],
    in_transaction: Callable[[], AbstractContextManager[object]] = transaction.atomic,
) -> list[Ticket]:
    """ticket_create for many tickets in one transaction (bulk intake), in `items`' order, with
    the same rows per ticket (history, audit, notification outbox rows, search text, masked
    secrets, SLA start) written a statement per table instead of a dozen per ticket, and one job
    after commit for the after-commit hooks (SLA, auto-assignment) of the whole batch.

    Items are checked exactly as by ticket_create (without required fields); one invalid item
    raises and writes nothing. Tickets that need more than the common rows (a routing rule or the
    security-emergency path matches, a secret was masked) go through ticket_create itself,
    inside the same transaction. A reference collision aborts the whole call (IntegrityError):
    the caller retries one by one.

    `in_transaction` opens the transaction (the batch writer passes `writer_transaction`, its
    turn among processes, batching.py): the checks and building the rows happen before.
    """
    checked = []
    for item in items:
        _require_writer(item.actor)
        checked.append(
            _checked_create(
                customer=item.customer,
                subject=item.subject,
                description=item.description,
                category=item.category,
                fields=item.fields,
                priority=item.priority,
                tags=item.tags,
                require_fields=False,
            )
        )
    rules = active_rules()
    created: list[Ticket] = []
    bulk: list[tuple[Ticket, list[str], User]] = []
    keys: list[IdempotencyKey] = []
    # The rows are built before the transaction (and the caller's write lock), which then only
    # has the statements to run.
    built: list[tuple[Ticket, bool]] = []
    for item, (subject, description, check, _tags, secrets) in zip(
        items, checked, strict=True
    ):
        missing = check.missing
        ticket = Ticket(
            subject=subject,
            description=description,
            channel=item.channel,
            category=item.category,
            fields=check.values,
            missing_fields=missing,
            priority=item.priority or item.category.default_priority,
            status=Status.PENDING_CUSTOMER if missing else Status.NEW,
            team=item.category.default_team,
            customer=item.customer,
            language=_language(item.language or item.customer.language),
            reference=new_reference(),
        )
        ticket.search_text = search_text(ticket.reference, subject, description)
        outcome = evaluate(rules, ticket_facts(ticket))
        built.append((ticket, bool(secrets or outcome.matched or outcome.is_emergency)))
    with in_transaction():
        for item, (subject, description, check, tags, _secrets), (
            ticket,
            alone,
        ) in zip(items, checked, built, strict=True):
            if alone:
                ticket = item.create_alone()
            else:
                bulk.append((ticket, tags, item.actor))
                if item.idempotency_key:
                    keys.append(
                        IdempotencyKey(
                            user=item.actor,
                            key=item.idempotency_key,
                            request_hash=create_request_hash(
                                customer=item.customer,
                                subject=subject,
                                description=description,
                                category=item.category,
                                values=check.values,
                                channel=item.channel,
                                priority=item.priority,
                                tags=tags,
                            ),
                            ticket=ticket,
                        )
                    )
            created.append(ticket)
        if bulk:
            _insert_many(bulk)
        if keys:
            # The keys were built before their tickets had ids (insert_rows, unlike save(), does
            # not read them from the related objects).
            for key in keys:
                key.ticket_id = key.ticket.pk
            # A key used meanwhile by another request fails the whole batch (IntegrityError):
            # the caller then creates one by one, where ticket_create answers the replay.
            insert_rows(keys)
        ids = [ticket.pk for ticket, _names, _actor in bulk]
        # Outbox rows (notifications) commit with the change.
        hooks.in_transaction_objects(
            "ticket_created", [ticket for ticket, _names, _actor in bulk]
        )
    hooks.after_commit_many("ticket_created", ids)
    return created


def _language(language: str) -> str:
    return language if language in dict(settings.LANGUAGES) else "en"


def _insert_many(bulk: list[tuple[Ticket, list[str], User]]) -> None:
    """The rows `_insert_ticket` writes for a ticket no routing rule changes, for many tickets
    (each with its tags and the actor of its history event and audit row)."""
    insert_returning([ticket for ticket, _names, _actor in bulk])
    names = sorted({name for _ticket, tags, _actor in bulk for name in tags})
    by_name = {tag.name: tag for tag in _tags(names)} if names else {}
    through = Ticket.tags.through
    insert_rows(
        [
            through(ticket_id=ticket.pk, tag_id=by_name[name].pk)
            for ticket, tags, _actor in bulk
            for name in tags
        ]
    )
    events: list[TicketEvent] = []
    messages: list[Message] = []
    for ticket, _names, actor in bulk:
        events.append(
            TicketEvent(
                ticket=ticket,
                actor=actor,
                kind=EventKind.CREATED,
                field="status",
                new_value=str(ticket.status)[:255],
            )
        )
        if ticket.missing_fields:
            messages.append(
                Message(
                    ticket=ticket,
                    kind=MessageKind.SYSTEM,
                    body=missing_fields_message(ticket),
                    channel=ticket.channel,
                )
            )
            events.append(
                TicketEvent(
                    ticket=ticket,
                    kind=EventKind.INFO_REQUESTED,
                    field="missing_fields",
                    new_value=", ".join(ticket.missing_fields)[:255],
                )
            )
    insert_rows(messages)
    insert_rows(events)
    audit_record_many(
        [
            {
                "actor": actor,
                "action": "ticket.create",
                "target_type": "ticket",
                "target_id": ticket.reference,
                "data": {"channel": ticket.channel},
            }
            for ticket, _names, actor in bulk
        ]
    )


def _idempotent_replay(actor: User, key: str, request_hash: str) -> Ticket | None:
    found = (
        IdempotencyKey.objects.select_related("ticket")
        .filter(user=actor, key=key)
        .first()
    )
    if found is None:
        return None
    if found.request_hash != request_hash:
        raise Conflict(
            _("This Idempotency-Key was already used for a different request."),
            code="idempotency_mismatch",
        )
    return found.ticket


def _clean_tags(tags: Iterable[str], errors: dict[str, list[str]]) -> list[str]:
    clean = sorted({t.strip().lower() for t in tags if t and t.strip()})
    bad = [t for t in clean if not TAG_RE.match(t)]
    if bad:
        errors["tags"] = [
            _(
                "Tags use letters, digits, '.', ':', '-' and '_' (at most 50 characters)."
            )
        ]
    return clean


def _insert_ticket(
    *,
    customer: User,
    actor: User,
    subject: str,
    description: str,
    category: Category,
    values: dict[str, str],
    missing: list[str],
    channel: str,
    language: str,
    priority: int | None,
    tags: list[str],
    files: Sequence[CheckedFile],
) -> Ticket:
    ticket = Ticket(
        subject=subject,
        description=description,
        channel=channel,
        category=category,
        fields=values,
        missing_fields=missing,
        priority=priority or category.default_priority,
        status=Status.PENDING_CUSTOMER if missing else Status.NEW,
        team=category.default_team,
        customer=customer,
        language=language if language in dict(settings.LANGUAGES) else "en",
    )
    _save_with_fresh_reference(ticket, subject, description)
    if tags:
        ticket.tags.set(_tags(tags))
    _event(ticket, actor, EventKind.CREATED, "status", "", ticket.status)
    _store_attachments(ticket, None, files, actor)
    if missing:
        Message.objects.create(
            ticket=ticket,
            kind=MessageKind.SYSTEM,
            body=missing_fields_message(ticket),
            channel=channel,
        )
        _event(
            ticket,
            None,
            EventKind.INFO_REQUESTED,
            "missing_fields",
            "",
            ", ".join(missing),
        )
    # Routing rules and the security-emergency path, inside this transaction so the ticket is
    # never seen unrouted (team, priority, tags, on-call page): see beacon/routing/services.py.
    routing_apply(ticket)
    audit_record(
        actor=actor,
        action="ticket.create",
        target_type="ticket",
        target_id=ticket.reference,
        data={"channel": channel},
    )
    return ticket


def _save_with_fresh_reference(ticket: Ticket, subject: str, description: str) -> None:
    """Insert with a random reference. A collision (about one in 10^12 per pair) hits the unique
    constraint; the insert is retried with another reference inside a savepoint, which is cheaper
    than asking the database first on every create."""
    for attempt in range(5):
        ticket.reference = new_reference()
        ticket.search_text = search_text(ticket.reference, subject, description)
        try:
            with transaction.atomic():
                ticket.save(force_insert=True)
        except IntegrityError:
            ticket.pk = None
            if attempt == 4:
                raise
        else:
            return


def _tags(names: Iterable[str]) -> list[Tag]:
    names = list(names)
    existing = {t.name: t for t in Tag.objects.filter(name__in=names)}
    for name in names:
        if name not in existing:
            existing[name], _created = Tag.objects.get_or_create(name=name)
    return [existing[n] for n in names]


# --- conversation --------------------------------------------------------------------------


def reply_add(
    *,
    ticket: Ticket,
    author: User,
    body: str,
    kind: str = MessageKind.REPLY,
    uploads: Sequence[UploadedFile[bytes]] = (),
    channel: str = Channel.WEB,
    fields: dict[str, Any] | None = None,
    set_status: str | None = None,
) -> Message:
    """Add a reply or note. A customer's reply on a solved ticket reopens it within the reopen
    window, and after it starts a linked follow-up ticket (the returned message is on that one)."""
    _require_writer(author)
    secret_kinds: set[str] = set()
    body = _clean_text(
        safety.mask_text(body, secret_kinds), field="body", limit=BODY_MAX
    )
    if fields:
        fields = safety.mask_fields(
            fields, parse_specs(ticket.category.form_fields), secret_kinds
        )
    if author.is_customer:
        if kind != MessageKind.REPLY:
            raise PermissionDenied(_("Customers can only add replies."))
        # Participants (Cc) answer by email; email intake has checked that they are who
        # they say they are.
        if ticket.customer_id != author.pk and not participants.is_participant(
            ticket, author.email
        ):
            raise PermissionDenied
        if ticket.status == Status.CLOSED or (
            ticket.status == Status.SOLVED and not _within_reopen_window(ticket)
        ):
            reply = _follow_up(ticket, author, body, uploads, channel).messages.get()
            if secret_kinds:
                with transaction.atomic():
                    safety.secrets_exposed(
                        ticket=reply.ticket,
                        author=author,
                        kinds=secret_kinds,
                        message=reply,
                    )
            return reply
    elif kind not in (MessageKind.REPLY, MessageKind.NOTE):
        raise Invalid(fields={"kind": [_("Choose a reply or a note.")]})
    _require_open(ticket)
    if set_status is not None and set_status not in Status.values:
        raise Invalid(fields={"status": [_("Unknown status.")]})
    checked_files = check_uploads(list(uploads))

    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        _require_open(ticket)
        message = Message.objects.create(
            ticket=ticket,
            author=author,
            kind=kind,
            from_customer=author.is_customer,
            body=body,
            channel=channel,
        )
        _store_attachments(ticket, message, checked_files, author)
        safety.secrets_exposed(
            ticket=ticket, author=author, kinds=secret_kinds, message=message
        )
        old_status = ticket.status
        if author.is_customer:
            _event(ticket, author, EventKind.REPLIED)
            _customer_reply_effects(ticket, author, fields or {})
        elif kind == MessageKind.REPLY:
            _event(ticket, author, EventKind.REPLIED)
            if ticket.first_response_at is None:
                ticket.first_response_at = timezone.now()
            ticket.status = set_status or (
                Status.PENDING_CUSTOMER
                if ticket.status in (Status.NEW, Status.OPEN)
                else ticket.status
            )
            if ticket.assignee_id is None and author.role in (Role.AGENT, Role.LEAD):
                ticket.assignee = author
                _event(
                    ticket,
                    author,
                    EventKind.CHANGED,
                    "assignee",
                    "",
                    author,
                    public=False,
                )
        else:
            _event(ticket, author, EventKind.NOTED, public=False)
            if set_status:
                ticket.status = set_status
        if ticket.status != old_status:
            _apply_status_timestamps(ticket)
            _event(
                ticket,
                author,
                EventKind.REOPENED
                if old_status == Status.SOLVED
                else EventKind.CHANGED,
                "status",
                old_status,
                ticket.status,
            )
        if kind == MessageKind.REPLY:
            _refresh_search_text(ticket)
        ticket.save()
        # Outbox rows (notifications) commit with the change.
        hooks.in_transaction("message_added", message.pk)
    hooks.after_commit("message_added", message.pk)
    return message


def _within_reopen_window(ticket: Ticket) -> bool:
    solved_at = ticket.solved_at or ticket.updated_at
    return timezone.now() - solved_at <= timedelta(days=settings.REOPEN_WINDOW_DAYS)


def _customer_reply_effects(
    ticket: Ticket, author: User, fields: dict[str, Any]
) -> None:
    if ticket.missing_fields:
        # The customer may answer a request for information with the structured fields.
        merged = {**ticket.fields, **fields}
        check = check_fields(parse_specs(ticket.category.form_fields), merged)
        if check.errors:
            raise Invalid(fields=check.errors)
        if check.values != ticket.fields:
            _event(
                ticket,
                author,
                EventKind.CHANGED,
                "fields",
                "",
                ", ".join(sorted(set(check.values) - set(ticket.fields))),
            )
        ticket.fields = check.values
        ticket.missing_fields = check.missing
    if (
        ticket.status in (Status.PENDING_CUSTOMER, Status.SOLVED)
        and not ticket.missing_fields
    ):
        ticket.status = Status.OPEN


def _follow_up(
    ticket: Ticket,
    author: User,
    body: str,
    uploads: Sequence[UploadedFile[bytes]],
    channel: str,
) -> Ticket:
    with translation.override(ticket.language):
        subject = _("Follow-up: %(subject)s") % {"subject": ticket.subject}
    follow = ticket_create(
        customer=author,
        subject=subject[:SUBJECT_MAX],
        description=body,
        category=ticket.category,
        fields=ticket.fields,
        channel=channel,
        language=ticket.language,
        uploads=uploads,
        require_fields=False,
    )
    with transaction.atomic():
        Ticket.objects.filter(pk=follow.pk).update(
            follow_up_of=ticket, team=ticket.team, priority=ticket.priority
        )
        TicketLink.objects.create(source=follow, target=ticket, kind=LinkKind.FOLLOW_UP)
        _event(
            follow, author, EventKind.FOLLOW_UP, "follow_up_of", "", ticket.reference
        )
        _event(ticket, author, EventKind.FOLLOW_UP, "follow_up", "", follow.reference)
        Message.objects.create(
            ticket=follow,
            author=author,
            kind=MessageKind.REPLY,
            from_customer=True,
            body=body,
            channel=channel,
        )
    follow.refresh_from_db()
    return follow


def _apply_status_timestamps(ticket: Ticket) -> None:
    now = timezone.now()
    if ticket.status == Status.SOLVED:
        ticket.solved_at = now
    elif ticket.status == Status.CLOSED:
        ticket.closed_at = now
        ticket.solved_at = ticket.solved_at or now
    else:
        ticket.solved_at = None


# --- field changes -------------------------------------------------------------------------

EDITABLE = ("status", "priority", "category", "team", "assignee", "tags", "language")


def ticket_update(*, ticket: Ticket, actor: User, changes: dict[str, Any]) -> Ticket:
    """Change status, priority, category, team, assignee or tags, recording each change.

    `changes` holds model values: Category/Team/User objects (or None) for relations, a list
    of tag names for tags.
    """
    _require_writer(actor)
    if not actor.is_support_staff:
        raise PermissionDenied
    return _update(
        ticket=ticket,
        actor=actor,
        changes=changes,
        audit_data={},
        action="ticket.update",
    )


def ticket_system_update(
    *,
    ticket: Ticket,
    changes: dict[str, Any],
    reason: str,
    action: str = "ticket.update",
) -> Ticket:
    """The same change made by Beacon itself (auto-assignment, SLA escalation): no actor, the
    reason in the audit record, and the same history, notifications and webhooks as a person's."""
    return _update(
        ticket=ticket,
        actor=None,
        changes=changes,
        audit_data={"reason": reason},
        action=action,
    )


def _update(
    *,
    ticket: Ticket,
    actor: User | None,
    changes: dict[str, Any],
    audit_data: dict[str, Any],
    action: str,
) -> Ticket:
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise Invalid(
            fields={name: [_("This field cannot be changed here.")] for name in unknown}
        )
    with transaction.atomic():
        locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
        _require_open(locked)
        errors: dict[str, list[str]] = {}
        _validate_changes(locked, changes, errors)
        if errors:
            raise Invalid(fields=errors)
        changed = _apply_changes(locked, actor, changes)
        if changed:
            locked.save()
            audit_record(
                actor=actor,
                action=action,
                target_type="ticket",
                target_id=locked.reference,
                data={"fields": changed, **audit_data},
            )
            # Outbox rows (notifications) commit with the change.
            hooks.in_transaction("ticket_updated", locked.pk)
    if changed:
        hooks.after_commit("ticket_updated", locked.pk)
    return locked


def _validate_changes(
    ticket: Ticket, changes: dict[str, Any], errors: dict[str, list[str]]
) -> None:
    if "status" in changes and changes["status"] not in Status.values:
        errors["status"] = [_("Unknown status.")]
    if "priority" in changes and changes["priority"] not in Priority.values:
        errors["priority"] = [_("Choose a priority from 1 (urgent) to 4 (low).")]
    if "language" in changes and changes["language"] not in dict(settings.LANGUAGES):
        errors["language"] = [_("Choose one of the languages this desk serves.")]
    if "category" in changes and (
        changes["category"] is None or not changes["category"].is_active
    ):
        errors["category"] = [_("This category is not available.")]
    team: Team | None = changes.get("team", ticket.team)
    if "team" in changes and team is not None and not team.is_active:
        errors["team"] = [_("This team is not active.")]
    assignee: User | None = changes.get(
        "assignee", ticket.assignee if "team" not in changes else None
    )
    if "assignee" in changes and assignee is not None:
        if not assignee.can_write_tickets or not assignee.is_active:
            errors["assignee"] = [_("Tickets can only be assigned to active agents.")]
        elif (
            team is not None
            and not assignee.is_admin_role
            and not assignee.memberships.filter(team=team).exists()
        ):
            errors["assignee"] = [
                _("%(agent)s is not a member of %(team)s.")
                % {"agent": assignee, "team": team}
            ]
    if "tags" in changes:
        changes["tags"] = _clean_tags(changes["tags"] or [], errors)


def _apply_changes(
    ticket: Ticket, actor: User | None, changes: dict[str, Any]
) -> list[str]:
    changed: list[str] = []
    for name in ("status", "priority", "category", "team", "assignee", "language"):
        if name not in changes:
            continue
        new = changes[name]
        old = getattr(ticket, name)
        if (getattr(old, "pk", old)) == (getattr(new, "pk", new)):
            continue
        setattr(ticket, name, new)
        changed.append(name)
        _event(
            ticket,
            actor,
            EventKind.CHANGED,
            name,
            _display(name, old),
            _display(name, new),
            public=name in ("status", "category"),
        )
        if name == "status":
            _apply_status_timestamps(ticket)
        if (
            name == "team"
            and "assignee" not in changes
            and ticket.assignee is not None
            and not ticket.assignee.memberships.filter(team=new).exists()
        ):
            # Moving to another team unassigns someone who is not in it.
            _event(
                ticket,
                actor,
                EventKind.CHANGED,
                "assignee",
                ticket.assignee,
                "",
                public=False,
            )
            ticket.assignee = None
    if "tags" in changes:
        old_names = sorted(ticket.tags.values_list("name", flat=True))
        if old_names != changes["tags"]:
            ticket.tags.set(_tags(changes["tags"]))
            changed.append("tags")
            _event(
                ticket,
                actor,
                EventKind.CHANGED,
                "tags",
                ", ".join(old_names),
                ", ".join(changes["tags"]),
                public=False,
            )
    return changed


def _display(name: str, value: Any) -> str:
    if value is None:
        return ""
    if name == "priority":
        return f"P{value}"
    if name == "status":
        return str(value)
    return str(value)  # Names, not slugs: history is read by people.


def ticket_close_by_customer(*, ticket: Ticket, customer: User) -> Ticket:
    """The customer says the matter is settled: the ticket is solved (and may still be rated)."""
    if ticket.customer_id != customer.pk:
        raise PermissionDenied
    _require_open(ticket)
    with transaction.atomic():
        locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if locked.status != Status.SOLVED:
            old = locked.status
            locked.status = Status.SOLVED
            _apply_status_timestamps(locked)
            locked.save()
            _event(locked, customer, EventKind.CHANGED, "status", old, Status.SOLVED)
            # Outbox rows (notifications) commit with the change.
            hooks.in_transaction("ticket_updated", locked.pk)
    hooks.after_commit("ticket_updated", locked.pk)
    return locked


def ticket_rate(
    *, ticket: Ticket, customer: User, rating: int, comment: str = ""
) -> Ticket:
    """The customer rates the resolution (1-5) once the ticket is solved or closed."""
    if ticket.customer_id != customer.pk:
        raise PermissionDenied
    ticket = Ticket.objects.get(
        pk=ticket.pk
    )  # The caller's copy may predate the latest status change.
    if ticket.status not in (Status.SOLVED, Status.CLOSED):
        raise Conflict(
            _("You can rate a request once it is solved."), code="not_solved"
        )
    if rating not in range(1, 6):
        raise Invalid(fields={"rating": [_("Choose a rating from 1 to 5.")]})
    with transaction.atomic():
        Ticket.objects.filter(pk=ticket.pk).update(
            rating=rating,
            rating_comment=safety.mask_text(comment, set()).strip()[:2000],
        )
        _event(ticket, customer, EventKind.RATED, "rating", ticket.rating or "", rating)
    ticket.refresh_from_db()
    return ticket


# --- merge and links -----------------------------------------------------------------------


def ticket_merge(*, source: Ticket, target: Ticket, actor: User) -> Ticket:
    """Merge `source` into `target`: the source's conversation is copied as a note on the target,
    the source is closed with a message telling the customer where the request continues.
    Only tickets of the same customer can be merged, so nobody sees another's conversation."""
    _require_writer(actor)
    if not actor.is_support_staff:
        raise PermissionDenied
    if source.pk == target.pk:
        raise Invalid(fields={"target": [_("A ticket cannot be merged into itself.")]})
    if source.customer_id != target.customer_id:
        raise Conflict(
            _("Only tickets of the same customer can be merged."), code="merge_customer"
        )
    _require_open(source)
    _require_open(target)
    with transaction.atomic():
        source = Ticket.objects.select_for_update().get(pk=source.pk)
        target = Ticket.objects.select_for_update().get(pk=target.pk)
        history = "\n\n".join(
            f"[{m.created_at:%Y-%m-%d %H:%M} {m.get_kind_display()}] {m.body}"
            for m in source.messages.order_by("created_at")
        )
        with translation.override(target.language):
            Message.objects.create(
                ticket=target,
                author=actor,
                kind=MessageKind.NOTE,
                body=_(
                    "Merged from %(ref)s (%(subject)s):\n%(description)s\n\n%(history)s"
                )
                % {
                    "ref": source.reference,
                    "subject": source.subject,
                    "description": source.description,
                    "history": history,
                },
            )
        with translation.override(source.language):
            Message.objects.create(
                ticket=source,
                kind=MessageKind.SYSTEM,
                body=_("This request was merged into %(ref)s. We will continue there.")
                % {"ref": target.reference},
            )
        Attachment.objects.filter(ticket=source).update(ticket=target)
        participants.participants_carry_over(source=source, target=target, actor=actor)
        old_status = source.status
        source.merged_into = target
        source.status = Status.CLOSED
        _apply_status_timestamps(source)
        source.save()
        TicketLink.objects.get_or_create(
            source=source, target=target, kind=LinkKind.DUPLICATE
        )
        _event(source, actor, EventKind.MERGED, "merged_into", "", target.reference)
        _event(source, actor, EventKind.CHANGED, "status", old_status, Status.CLOSED)
        _event(target, actor, EventKind.MERGED, "merged_from", "", source.reference)
        audit_record(
            actor=actor,
            action="ticket.merge",
            target_type="ticket",
            target_id=target.reference,
            data={"source": source.reference},
        )
        # Outbox rows (notifications) commit with the change.
        hooks.in_transaction("ticket_merged", source.pk)
    hooks.after_commit("ticket_merged", source.pk)
    return target


def ticket_link(
    *, source: Ticket, target: Ticket, actor: User, kind: str = LinkKind.RELATED
) -> TicketLink:
    """Link two tickets (shown on both)."""
    _require_writer(actor)
    if not actor.is_support_staff:
        raise PermissionDenied
    if source.pk == target.pk:
        raise Invalid(fields={"target": [_("A ticket cannot be linked to itself.")]})
    with transaction.atomic():
        link, created = TicketLink.objects.get_or_create(
            source=source, target=target, kind=kind
        )
        if created:
            _event(
                source,
                actor,
                EventKind.LINKED,
                "link",
                "",
                target.reference,
                public=False,
            )
            _event(
                target,
                actor,
                EventKind.LINKED,
                "link",
                "",
                source.reference,
                public=False,
            )
    return link


# --- macros and bulk -----------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\.([a-z_]+)\s*\}\}")


def macro_render(*, macro: Macro, ticket: Ticket, agent: User) -> str:
    """Fill a macro's placeholders. Only a fixed set of names is replaced (no template language,
    so a macro author cannot reach anything else)."""
    values = {
        ("customer", "name"): ticket.customer.display_name
        or ticket.customer.email.split("@")[0],
        ("customer", "uid"): ticket.customer.exchange_uid or "",
        ("ticket", "reference"): ticket.reference,
        ("ticket", "subject"): ticket.subject,
        ("agent", "name"): agent.display_name or agent.email.split("@")[0],
    }
    return _PLACEHOLDER.sub(
        lambda m: values.get((m.group(1), m.group(2)), m.group(0)),
        macro.body_for(ticket.language),
    )


def macro_apply(*, macro: Macro, ticket: Ticket, agent: User) -> Message:
    """Send the macro's reply and apply its status and tags."""
    body = macro_render(macro=macro, ticket=ticket, agent=agent)
    message = reply_add(
        ticket=ticket, author=agent, body=body, set_status=macro.set_status or None
    )
    if macro.add_tags:
        current = list(ticket.tags.values_list("name", flat=True))
        ticket_update(
            ticket=message.ticket,
            actor=agent,
            changes={"tags": sorted({*current, *macro.add_tags})},
        )
    return message


def tickets_bulk_update(
    *,
    tickets: Sequence[Ticket],
    actor: User,
    changes: dict[str, Any],
    add_tags: Sequence[str] = (),
) -> int:
    """Apply the same change to several tickets, all or nothing. Tickets must already be access-checked.

    `add_tags` adds tags to each ticket's own (a `tags` change would replace them on all)."""
    with transaction.atomic():
        for ticket in tickets:
            ticket_changes = dict(changes)
            if add_tags:
                current = ticket.tags.values_list("name", flat=True)
                ticket_changes["tags"] = sorted(
                    {*current, *(t.strip().lower() for t in add_tags)}
                )
            ticket_update(ticket=ticket, actor=actor, changes=ticket_changes)
    return len(tickets)


def active_statuses() -> tuple[str, ...]:
    return tuple(str(s) for s in ACTIVE_STATUSES)
