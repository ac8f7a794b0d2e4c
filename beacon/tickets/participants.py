"""Ticket participants (Cc): writes and the reads shared by the console, the API and email.

Kept beside `services.py` (which is past the size where a module splits) with the same rules:
one typed function per change, checks first, one transaction, a history event and an audit
record for every address added or removed.

Who may never be a participant: the ticket's customer (already on it), support staff (they
follow tickets in the console), our own mailbox addresses and their `+` aliases (a loop), and
obviously automatic addresses (mailer-daemon, noreply, ...). A ticket has at most
TICKET_PARTICIPANTS_MAX participants.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from beacon.accounts.models import Role, User
from beacon.audit.services import audit_record
from beacon.core.errors import Invalid, NotFound, PermissionDenied
from beacon.tickets.models import (
    EventKind,
    ParticipantSource,
    Status,
    Ticket,
    TicketEvent,
    TicketParticipant,
)
from beacon.tickets.rules import require_open as _require_open

FIELD = "participants"
# Local parts of addresses that only machines write from or read (shared with email intake).
AUTOMATIC_LOCAL_PARTS = frozenset(
    {
        "mailer-daemon",
        "postmaster",
        "noreply",
        "no-reply",
        "donotreply",
        "do-not-reply",
        "bounce",
        "bounces",
    }
)


def base_address(address: str) -> str:
    """The address without a `+tag` in its local part."""
    local, _at, domain = address.partition("@")
    return f"{local.split('+', 1)[0]}@{domain}"


def is_automatic(address: str) -> bool:
    return address.split("@", 1)[0].split("+", 1)[0] in AUTOMATIC_LOCAL_PARTS


def _our_addresses() -> set[str]:
    # Mailboxes are email intake's; read here so that no path can copy our own address.
    from beacon.intake.email.models import Mailbox

    return {
        address.lower() for address in Mailbox.objects.values_list("address", flat=True)
    }


def participants_of(ticket: Ticket) -> list[TicketParticipant]:
    """The ticket's participants, oldest first (the caller has checked access)."""
    return list(TicketParticipant.objects.filter(ticket=ticket).select_related("user"))


def participant_addresses(ticket: Ticket) -> list[str]:
    return list(
        TicketParticipant.objects.filter(ticket=ticket).values_list(
            "address", flat=True
        )
    )


def is_participant(ticket: Ticket, address: str) -> bool:
    return TicketParticipant.objects.filter(
        ticket=ticket, address=address.strip().lower()
    ).exists()


def _refusal(
    ticket: Ticket, address: str, *, ours: set[str], present: set[str]
) -> str | None:
    """Why `address` (lower-cased) cannot join `ticket`, or None."""
    try:
        validate_email(address)
    except ValidationError:
        return _("Enter a valid email address.")
    if address == ticket.customer.email.lower():
        return _("This is the ticket's customer, who gets every reply anyway.")
    if address in present:
        return _("This address is already a participant.")
    if base_address(address) in ours or address in ours:
        return _("This is one of our own mailbox addresses.")
    if is_automatic(address):
        return _("Automatic addresses (mailer-daemon, noreply, ...) cannot be added.")
    if (
        User.objects.annotate(address=Lower("email"))
        .filter(address=address)
        .exclude(role=Role.CUSTOMER)
        .exists()
    ):
        return _("Support staff follow tickets in the console, not by copy.")
    if len(present) >= settings.TICKET_PARTICIPANTS_MAX:
        return _("A ticket can have at most %(limit)s participants.") % {
            "limit": settings.TICKET_PARTICIPANTS_MAX
        }
    return None


def _verified_customer(address: str) -> User | None:
    return (
        User.objects.annotate(address=Lower("email"))
        .filter(address=address, role=Role.CUSTOMER, email_verified=True)
        .first()
    )


def _insert(
    ticket: Ticket, address: str, *, actor: User | None, source: str
) -> TicketParticipant:
    participant = TicketParticipant.objects.create(
        ticket=ticket,
        address=address,
        user=_verified_customer(address),
        source=source,
        added_by=actor,
    )
    TicketEvent.objects.create(
        ticket=ticket,
        actor=actor,
        kind=EventKind.CHANGED,
        field=FIELD,
        new_value=address,
    )
    audit_record(
        actor=actor,
        action="ticket.participant.add",
        target_type="ticket",
        target_id=ticket.reference,
        data={"address": address, "source": source},
    )
    return participant


def _require_agent(actor: User) -> None:
    if not actor.is_support_staff:
        raise PermissionDenied
    if not actor.can_write_tickets:
        raise PermissionDenied(_("Auditors have read-only access."))


def participant_add(*, ticket: Ticket, actor: User, address: str) -> TicketParticipant:
    """An agent copies `address` on the ticket (the caller has checked they see the ticket)."""
    _require_agent(actor)
    cleaned = (address or "").strip().lower()
    if not cleaned:
        raise Invalid(fields={"address": [_("This field is required.")]})
    with transaction.atomic():
        # The ticket row is locked so that two adds cannot pass the limit together.
        locked = (
            Ticket.objects.select_for_update()
            .select_related("customer")
            .get(pk=ticket.pk)
        )
        _require_open(locked)
        present = set(participant_addresses(locked))
        refusal = _refusal(locked, cleaned, ours=_our_addresses(), present=present)
        if refusal is not None:
            raise Invalid(fields={"address": [refusal]})
        return _insert(locked, cleaned, actor=actor, source=ParticipantSource.AGENT)


def participant_remove(*, ticket: Ticket, actor: User, participant_id: int) -> None:
    """An agent stops copying a participant (NotFound when it is not one of this ticket's)."""
    _require_agent(actor)
    with transaction.atomic():
        _require_open(Ticket.objects.select_for_update().get(pk=ticket.pk))
        participant = (
            TicketParticipant.objects.select_for_update()
            .filter(ticket=ticket, pk=participant_id)
            .first()
        )
        if participant is None:
            raise NotFound
        participant.delete()
        TicketEvent.objects.create(
            ticket=ticket,
            actor=actor,
            kind=EventKind.CHANGED,
            field=FIELD,
            old_value=participant.address,
        )
        audit_record(
            actor=actor,
            action="ticket.participant.remove",
            target_type="ticket",
            target_id=ticket.reference,
            data={"address": participant.address},
        )


def participants_add_from_email(
    *, ticket: Ticket, sender: User, addresses: Iterable[str]
) -> list[TicketParticipant]:
    """The To/Cc addresses of an authenticated mail on `ticket` join it (the caller has checked
    the sender's authentication). Addresses that may not join are left out, silently; past
    the limit the rest are left out. Runs in the caller's transaction."""
    addresses = list(addresses)
    if not addresses:
        return []  # most mail copies nobody: no lock, no reads
    ticket = (
        Ticket.objects.select_for_update().select_related("customer").get(pk=ticket.pk)
    )
    if ticket.status == Status.CLOSED:
        return []
    ours = _our_addresses()
    present = set(participant_addresses(ticket))
    added = []
    for raw in addresses:
        address = raw.strip().lower()
        if address == sender.email.lower():
            continue
        if _refusal(ticket, address, ours=ours, present=present) is not None:
            continue
        added.append(
            _insert(ticket, address, actor=sender, source=ParticipantSource.EMAIL)
        )
        present.add(address)
    return added


def participants_carry_over(
    *, source: Ticket, target: Ticket, actor: User
) -> list[TicketParticipant]:
    """On a merge: the source's participants follow the conversation to the target (those who
    may join it, up to the limit). Runs in the merge's transaction."""
    ours = _our_addresses()
    present = set(participant_addresses(target))
    added = []
    for participant in TicketParticipant.objects.filter(ticket=source):
        address = participant.address
        if _refusal(target, address, ours=ours, present=present) is not None:
            continue
        added.append(_insert(target, address, actor=actor, source=participant.source))
        present.add(address)
    return added
