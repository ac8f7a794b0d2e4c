"""Email intake writes: store the raw message, then turn it into a ticket or a reply, once.

Two steps, each its own transaction:
1. `inbound_store` writes the raw bytes under a unique key (the Message-ID, or the content
   digest without one). Fetching the same message again returns the existing row; only after
   this commit may a source flag or delete the message (IMAP) or answer 2xx (the MTA endpoint).
2. `inbound_process` locks the row, and while it is still `received` parses it and writes the
   ticket or reply through the tickets services, moving the row on in the same transaction.
   A second run (re-delivery, overlapping pollers, a restart after a crash) finds nothing to do.
"""

from __future__ import annotations

import email.parser
import email.policy
import hashlib
import logging
import secrets
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, connections, transaction
from django.db.models import Field
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from beacon.accounts.models import User
from beacon.audit.services import audit_record
from beacon.core.bulk import insert_returning, insert_rows
from beacon.core.errors import DomainError, TooLarge
from beacon.core.writer import writer_transaction
from beacon.intake.email import identity, outbound, preparing, redaction
from beacon.intake.email.models import (
    BouncedAddress,
    Direction,
    InboundEmail,
    InboundStatus,
    Mailbox,
    ThreadMessageId,
)
from beacon.intake.email.parsing import ParsedEmail, message_ids, parse_message
from beacon.notifications.models import Delivery
from beacon.notifications.services import delivery_enqueue_many
from beacon.tickets import participants
from beacon.tickets import services as ticket_services
from beacon.tickets.attachments import check_upload
from beacon.tickets.models import Category, Channel, Status, Ticket

logger = logging.getLogger(__name__)

UNVERIFIED_TAG = "email-unverified"


# --- step 1: store ---------------------------------------------------------------------------


def dedup_key_for(raw: bytes) -> tuple[str, str, str]:
    """(dedup key, Message-ID, sha256) of a raw message; reads the header block only."""
    digest = hashlib.sha256(raw).hexdigest()
    headers = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(
        raw
    )
    found = message_ids(str(headers.get("Message-ID", "")))
    message_id = found[0] if found else ""
    if not message_id:
        return f"sha:{digest}", "", digest
    key = f"mid:{message_id}"
    if len(key) > 255:
        key = "mid-sha:" + hashlib.sha256(message_id.encode()).hexdigest()
    return key, message_id, digest


def inbound_store(
    *, raw: bytes, source: str, mailbox: Mailbox | None = None
) -> tuple[InboundEmail, bool]:
    """Store one raw message durably; (row, created). The same message twice is one row."""
    if len(raw) > settings.EMAIL_MAX_MESSAGE_BYTES:
        raise TooLarge(
            _("The message is larger than %(limit)s MB.")
            % {"limit": settings.EMAIL_MAX_MESSAGE_BYTES // (1024 * 1024)}
        )
    key, message_id, digest = dedup_key_for(raw)
    existing = InboundEmail.objects.filter(dedup_key=key).first()
    if existing is not None:
        return existing, False
    try:
        with writer_transaction():
            row = InboundEmail.objects.create(
                dedup_key=key,
                message_id=message_id,
                mailbox=mailbox,
                source=source,
                raw=raw,
                sha256=digest,
                size=len(raw),
            )
    except IntegrityError:
        # Another intake run stored the same message a moment ago.
        return InboundEmail.objects.get(dedup_key=key), False
    return row, True


# --- step 2: process -------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    status: str
    reason: str = ""
    ticket: Ticket | None = None


# What parsing a stored row fills in (both paths save these).
_ROW_FIELDS = [
    "status",
    "reason",
    "processed_at",
    "ticket",
    "attempts",
    "last_error",
    "message_id",
    "from_address",
    "subject",
    "html",
    "sender_verified",
    "auth_summary",
]


def inbound_process(*, inbound_id: int) -> str | None:
    """Parse one stored message into a ticket or reply, at most once; returns the new status
    (None when the row was already processed by someone else)."""
    with writer_transaction():
        row = (
            InboundEmail.objects.select_for_update()
            .filter(pk=inbound_id, status=InboundStatus.RECEIVED)
            .first()
        )
        if row is None:
            return None
        row.attempts += 1
        raw = bytes(row.raw)
        try:
            with transaction.atomic():
                outcome = _process(row, raw)
        except DomainError as exc:
            outcome = Outcome(InboundStatus.FAILED, "refused")
            row.last_error = exc.message[:2000]
        except Exception as exc:
            # A bug must not stop the other messages; the row shows it to admins, who can
            # parse it again from the admin once it is fixed. The raw source is kept.
            logger.exception("inbound email %s failed", inbound_id)
            outcome = Outcome(InboundStatus.FAILED, "error")
            row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        row.status = outcome.status
        row.reason = outcome.reason[:200]
        row.processed_at = timezone.now()
        if outcome.ticket is not None:
            row.ticket = outcome.ticket
        fields = [*_ROW_FIELDS, "claimed_ticket", "reply"]
        # The secret spans of the source are masked once it is parsed (see redaction.py).
        redacted = redaction.redact_raw(raw)
        if redacted != raw:
            row.raw = redacted
            fields.append("raw")
        row.save(update_fields=fields)
    return outcome.status


def cache_clear() -> None:
    """Forget the cached mailbox addresses and category (tests; admins' changes wait 10 s)."""
    _cache.clear()


def inbound_process_pending(*, older_than_seconds: int = 0, limit: int = 500) -> int:
    """Process rows left `received` (a crash after storing, a job that never ran)."""
    ids = inbound_pending_ids(older_than_seconds=older_than_seconds, limit=limit)
    for inbound_id in ids:
        inbound_process(inbound_id=inbound_id)
    return len(ids)


def inbound_pending_ids(
    *, older_than_seconds: int = 0, limit: int = 500, before: datetime | None = None
) -> list[int]:
    """Rows left `received`, oldest first (stored before `before`, when given)."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    if before is not None:
        cutoff = min(cutoff, before)
    return list(
        InboundEmail.objects.filter(
            status=InboundStatus.RECEIVED, received_at__lte=cutoff
        )
        .order_by("received_at", "id")
        .values_list("pk", flat=True)[:limit]
    )


def inbound_stored_keys(keys: list[str]) -> set[str]:
    """Which of these dedup keys are stored already."""
    return set(
        InboundEmail.objects.filter(dedup_key__in=keys).values_list(
            "dedup_key", flat=True
        )
    )


def inbound_retry(*, rows: Iterable[InboundEmail], actor: User) -> int:
    """Admins: parse failed rows again (e.g. after a fix)."""
    ids = [row.pk for row in rows]
    with transaction.atomic():
        count = InboundEmail.objects.filter(
            pk__in=ids, status=InboundStatus.FAILED
        ).update(status=InboundStatus.RECEIVED, last_error="")
        if count:
            audit_record(
                actor=actor,
                action="email.inbound.retry",
                target_type="inbound_email",
                target_id=",".join(str(i) for i in ids)[:200],
                data={"count": count},
            )
    for inbound_id in ids:
        inbound_process(inbound_id=inbound_id)
    return count


# Read once per few seconds, not once per message (imports take thousands in a row).
_CACHE_SECONDS = 10.0
_cache: dict[str, tuple[float, Any]] = {}


def _cached(name: str, load: Callable[[], Any]) -> Any:
    now = time.monotonic()
    hit = _cache.get(name)
    if hit is not None and now - hit[0] < _CACHE_SECONDS:
        return hit[1]
    value = load()
    _cache[name] = (now, value)
    return value


def _our_addresses() -> set[str]:
    addresses: set[str] = _cached(
        "addresses",
        lambda: {
            address.lower()
            for address in Mailbox.objects.values_list("address", flat=True)
        },
    )
    return addresses


# Shared with the batch path's preparation (which runs without the database).
_base_address = preparing.base_address
_is_robot = preparing.is_robot
_is_auto_reply = preparing.is_auto_reply


def _process(row: InboundEmail, raw: bytes) -> Outcome:
    parsed = parse_message(raw)
    row.message_id = parsed.message_id or row.message_id
    row.from_address = parsed.from_address[:320]
    # The parsed fields kept beside the source are masked like the source itself.
    row.subject = redaction.mask_text(parsed.subject)[:300]
    row.html = redaction.mask_text(parsed.html)
    if parsed.is_report or parsed.header("x-failed-recipients"):
        return _bounce(parsed)
    if not parsed.from_address:
        return Outcome(InboundStatus.IGNORED, "no sender address")
    ours = _our_addresses()
    if _base_address(parsed.from_address) in ours:
        return Outcome(InboundStatus.IGNORED, "sent from our own address")
    if _is_auto_reply(parsed):
        return Outcome(InboundStatus.IGNORED, "automatic reply")
    if _is_robot(parsed.from_address):
        return Outcome(InboundStatus.IGNORED, "from a mail robot")

    mailbox = row.mailbox or _mailbox_for(parsed)
    sender = User.objects.filter(email__iexact=parsed.from_address).first()
    if sender is not None and not sender.is_customer:
        return Outcome(InboundStatus.IGNORED, "from a staff address")

    who = identity.check_sender(parsed, raw)
    row.auth_summary = who.summary
    claimed, token_reference = _claimed_ticket(parsed, mailbox)
    if claimed is not None:
        by_token = token_reference == claimed.reference
        authenticated = who.aligned or (by_token and who.spf_or_dkim)
        # The ticket's customer, or one of its participants (Cc), answering.
        member = (
            sender is not None and claimed.customer_id == sender.pk
        ) or participants.is_participant(claimed, parsed.from_address)
        if authenticated and member:
            row.sender_verified = True
            author = sender or _new_customer(parsed, _language_of(parsed, None))
            accepted, refused = _checked_files(parsed)
            message = ticket_services.reply_add(
                ticket=claimed,
                author=author,
                body=_body_with_refusals(parsed, refused),
                uploads=accepted,
                channel=Channel.EMAIL,
            )
            row.reply = message
            _remember_ids(parsed, message.ticket)
            # Only an authenticated mail changes who is on the ticket.
            participants.participants_add_from_email(
                ticket=message.ticket,
                sender=author,
                addresses=preparing.copied_others(parsed, ours),
            )
            return Outcome(InboundStatus.REPLY, "reply", message.ticket)
        # Not allowed to join: a new ticket of its own, flagged, never someone else's thread.
        row.claimed_ticket = claimed

    row.sender_verified = who.aligned and sender is not None and sender.email_verified
    ticket = _new_ticket(
        parsed, sender, flagged=not row.sender_verified or claimed is not None
    )
    _remember_ids(parsed, ticket)
    if who.aligned and claimed is None:
        # An authenticated new request: whoever it copied follows the ticket. A mail that
        # claimed another ticket and was refused there copies nobody.
        participants.participants_add_from_email(
            ticket=ticket,
            sender=ticket.customer,
            addresses=preparing.copied_others(parsed, ours),
        )
    if mailbox is not None and _may_auto_reply(parsed, ours):
        outbound.auto_reply_enqueue(
            ticket=ticket, mailbox=mailbox, in_reply_to=parsed.message_id
        )
    return Outcome(InboundStatus.TICKET, "new ticket", ticket)


def _mailbox_for(parsed: ParsedEmail) -> Mailbox | None:
    bases = {_base_address(address) for address in parsed.recipients}
    found = Mailbox.objects.filter(address__in=bases, is_active=True).first()
    return found or Mailbox.objects.filter(is_active=True).order_by("id").first()


def _claimed_ticket(
    parsed: ParsedEmail, mailbox: Mailbox | None
) -> tuple[Ticket | None, str | None]:
    """The ticket this message says it belongs to: its thread ids first, then the reply
    token, then a reference in the subject. Merged tickets lead to their target."""
    token_reference = (
        identity.reference_from_token(parsed.recipients, mailbox.address)
        if mailbox is not None
        else None
    )
    ticket: Ticket | None = None
    ids = parsed.thread_ids
    if ids:
        known = {
            entry.message_id: entry.ticket_id
            for entry in ThreadMessageId.objects.filter(message_id__in=ids)
        }
        for mid in ids:
            if mid in known:
                ticket = Ticket.objects.filter(pk=known[mid]).first()
                break
    reference = token_reference or parsed.subject_reference
    if ticket is None and reference:
        ticket = Ticket.objects.filter(reference=reference).first()
    seen = 0
    while ticket is not None and ticket.merged_into_id and seen < 5:
        ticket = Ticket.objects.filter(pk=ticket.merged_into_id).first()
        seen += 1
    return ticket, token_reference


def _checked_files(
    parsed: ParsedEmail,
) -> tuple[list[SimpleUploadedFile], list[str]]:
    """Attachments and inline images through the portal's checks; refused ones are named."""
    accepted: list[SimpleUploadedFile] = []
    refused: list[str] = []
    for item in parsed.files:
        if not item.data:
            continue
        upload = SimpleUploadedFile(item.name, item.data, item.content_type)
        if len(accepted) >= settings.ATTACHMENT_MAX_FILES:
            refused.append(f"{item.name}: " + _("too many files"))
            continue
        try:
            check_upload(upload)
        except DomainError as exc:
            refused.append(f"{item.name}: {exc.message}")
            continue
        accepted.append(upload)
    return accepted, refused


def _body_with_refusals(parsed: ParsedEmail, refused: list[str]) -> str:
    body = parsed.visible_text.strip() or _("(no text)")
    if refused:
        body += (
            "\n\n"
            + _("Attachments not accepted:")
            + "\n"
            + "\n".join(f"- {line}" for line in refused)
        )
    return body[: ticket_services.BODY_MAX]


def _default_category() -> Category:
    category: Category | None = _cached("category", _load_default_category)
    if category is None:
        raise DomainError(_("No active category for email tickets."))
    return category


def _load_default_category() -> Category | None:
    category = Category.objects.filter(
        slug=settings.EMAIL_DEFAULT_CATEGORY, is_active=True
    ).first()
    if category is None:
        category = (
            Category.objects.filter(is_active=True).order_by("position", "id").first()
        )
    return category


def _new_ticket(parsed: ParsedEmail, sender: User | None, *, flagged: bool) -> Ticket:
    language = _language_of(parsed, sender)
    customer = sender or _new_customer(parsed, language)
    accepted, refused = _checked_files(parsed)
    subject = parsed.subject.strip() or _("(no subject)")
    return ticket_services.ticket_create(
        customer=customer,
        subject=subject[: ticket_services.SUBJECT_MAX],
        description=_body_with_refusals(parsed, refused),
        category=_default_category(),
        channel=Channel.EMAIL,
        language=language,
        tags=[UNVERIFIED_TAG] if flagged else [],
        uploads=accepted,
        require_fields=False,
    )


def _language_of(parsed: ParsedEmail, sender: User | None) -> str:
    if sender is not None:
        return sender.language
    return preparing.language_of(parsed)


def _new_customer(parsed: ParsedEmail, language: str) -> User:
    """A customer record for an address we have not seen; unverified until they sign in."""
    try:
        with transaction.atomic():
            return User.objects.create_user(
                email=parsed.from_address,
                display_name=parsed.from_name[:150],
                language=language,
                email_verified=False,
            )
    except IntegrityError:
        return User.objects.get(email__iexact=parsed.from_address)


def _remember_ids(parsed: ParsedEmail, ticket: Ticket) -> None:
    if parsed.message_id:
        # The first ticket to record an id keeps it (a re-sent copy must not move the thread).
        ThreadMessageId.objects.bulk_create(
            [
                ThreadMessageId(
                    message_id=parsed.message_id,
                    ticket=ticket,
                    direction=Direction.INBOUND,
                )
            ],
            ignore_conflicts=True,
        )


def _bounce(parsed: ParsedEmail) -> Outcome:
    """A delivery status report: mark the failed addresses; never a ticket."""
    marked = []
    recipients = [r for r in parsed.bounce_recipients if r.permanent]
    addresses = [(r.address, r.status, r.diagnostic) for r in recipients]
    if not addresses and parsed.header("x-failed-recipients"):
        addresses = [
            (a.strip().lower(), "5.0.0", "")
            for a in parsed.header("x-failed-recipients").split(",")
            if "@" in a
        ]
    for address, status, diagnostic in addresses:
        bounced, created = BouncedAddress.objects.get_or_create(
            address=address, defaults={"status": status, "diagnostic": diagnostic}
        )
        if not created:
            bounced.count += 1
            bounced.status = status
            bounced.diagnostic = diagnostic
            bounced.save()
        marked.append(address)
    return Outcome(
        InboundStatus.BOUNCE,
        ("bounced: " + ", ".join(marked))[:200] if marked else "report",
    )


def _may_auto_reply(parsed: ParsedEmail, ours: set[str]) -> bool:
    """RFC 3834: never answer automatic mail, lists, robots, ourselves or a bouncing address;
    at most EMAIL_AUTO_REPLY_LIMIT answers per sender per day."""
    if not _may_auto_reply_by_headers(parsed, ours):
        return False
    address = parsed.from_address
    if BouncedAddress.objects.filter(address=address).exists():
        return False
    since = timezone.now() - timedelta(days=1)
    sent = Delivery.objects.filter(
        template_key=outbound.AUTO_REPLY_TEMPLATE,
        address=address,
        created_at__gte=since,
    ).count()
    return sent < settings.EMAIL_AUTO_REPLY_LIMIT


def _may_auto_reply_by_headers(parsed: ParsedEmail, ours: set[str]) -> bool:
    """The RFC 3834 checks of `_may_auto_reply` that need no database."""
    auto = parsed.header("auto-submitted").split(";")[0].strip().lower()
    if auto and auto != "no":
        return False
    if parsed.header("precedence").lower() in {"bulk", "list", "junk", "auto_reply"}:
        return False
    if any(
        parsed.header(name)
        for name in ("list-id", "list-unsubscribe", "list-post", "list-help")
    ):
        return False
    address = parsed.from_address
    if _is_robot(address) or _base_address(address) in ours:
        return False
    return not (parsed.return_path == "" and "return-path" in parsed.headers)


def ticket_is_flagged(ticket: Ticket) -> bool:
    return (
        ticket.status != Status.CLOSED
        and ticket.tags.filter(name=UNVERIFIED_TAG).exists()
    )


# --- batches (imports: many stored messages at a time) ----------------------------------------


def inbound_store_many(
    *,
    raws: list[bytes],
    source: str,
    mailbox: Mailbox | None = None,
    dedup_keys: Sequence[tuple[str, str, str]] | None = None,
) -> list[tuple[InboundEmail | None, bool, str]]:
    """`inbound_store` for many messages in one statement: (row, created, refusal) for each, in
    order; row None with the reason when refused (too large). If another run stores some of the
    same messages meanwhile, the batch is stored one by one instead. `dedup_keys`: what
    `dedup_key_for` gives for each raw, when the caller has it already."""
    limit = settings.EMAIL_MAX_MESSAGE_BYTES
    keys: list[str | None] = []
    new: dict[str, InboundEmail] = {}
    for position, raw in enumerate(raws):
        if len(raw) > limit:
            keys.append(None)
            continue
        key, message_id, digest = (
            dedup_keys[position] if dedup_keys is not None else dedup_key_for(raw)
        )
        keys.append(key)
        new.setdefault(
            key,
            InboundEmail(
                dedup_key=key,
                message_id=message_id,
                mailbox=mailbox,
                source=source,
                raw=raw,
                sha256=digest,
                size=len(raw),
            ),
        )
    existing = {
        row.dedup_key: row
        for row in InboundEmail.objects.filter(dedup_key__in=list(new)).only(
            "pk", "dedup_key", "status"
        )
    }
    try:
        with writer_transaction():
            insert_returning([row for key, row in new.items() if key not in existing])
    except IntegrityError:
        return [_store_one(raw, source, mailbox) for raw in raws]
    refusal = _("The message is larger than %(limit)s MB.") % {
        "limit": limit // (1024 * 1024)
    }
    results: list[tuple[InboundEmail | None, bool, str]] = []
    seen: set[str] = set()
    for slot in keys:
        if slot is None:
            results.append((None, False, refusal))
        elif slot in existing or slot in seen:
            results.append((existing.get(slot, new[slot]), False, ""))
        else:
            seen.add(slot)
            results.append((new[slot], True, ""))
    return results


def _store_one(
    raw: bytes, source: str, mailbox: Mailbox | None
) -> tuple[InboundEmail | None, bool, str]:
    try:
        row, created = inbound_store(raw=raw, source=source, mailbox=mailbox)
    except DomainError as exc:
        return None, False, exc.message
    return row, created, ""


def inbound_process_many(
    *,
    inbound_ids: list[int],
    prepared: Sequence[preparing.Prepared] | None = None,
) -> dict[str, int]:
    """`inbound_process` for a batch of stored rows, in one transaction, the common case (a new
    ticket from a new message) written with bulk inserts; every other message goes the one-by-one
    path inside the batch. If the batch fails as a whole, it is redone one message at a time,
    so one bad message cannot hold back the others. Returns how many rows reached each status.

    `prepared`: the rows already prepared (`preparing.prepare_many`, e.g. in a helper process
    while the previous batch was written); rows missing from it are prepared here."""
    try:
        # Parsing and the other checks that need no lock run first, outside the transaction,
        # so that an overlapping run can use the time to prepare its own batch.
        fast, single = _prepare_batch(inbound_ids, prepared)
        with writer_transaction():
            return _process_batch(fast, single)
    except Exception:
        logger.warning("inbound email batch failed; one by one", exc_info=True)
    statuses: dict[str, int] = {}
    for inbound_id in inbound_ids:
        status = inbound_process(inbound_id=inbound_id)
        if status:
            statuses[status] = statuses.get(status, 0) + 1
    return statuses


def prepare_sources(rows: Iterable[InboundEmail]) -> list[preparing.RawRow]:
    """What `preparing.prepare_many` needs of stored rows (whose mailbox is loaded)."""
    return [
        preparing.RawRow(
            row.pk, bytes(row.raw), row.mailbox.address if row.mailbox else None
        )
        for row in rows
    ]


def our_addresses() -> frozenset[str]:
    """The mailboxes' addresses, lower-cased (cached for a few seconds)."""
    return frozenset(_our_addresses())


@dataclass
class _Fast:
    row: InboundEmail
    raw: bytes
    parsed: ParsedEmail
    sender: User | None
    mailbox: Mailbox | None
    language: str = "en"
    ticket: Ticket | None = None
    who: identity.Identity | None = None
    redacted: bytes = b""


def _prepare_batch(
    inbound_ids: list[int], prepared: Sequence[preparing.Prepared] | None
) -> tuple[list[_Fast], list[int]]:
    """Rows still to parse: (new tickets for the bulk path, with their parse, sender check and
    masked source ready; ids for the one-by-one path). Reads only; the caller re-checks under lock."""
    rows = list(
        InboundEmail.objects.select_related("mailbox")
        .filter(pk__in=inbound_ids, status=InboundStatus.RECEIVED)
        .order_by("id")
    )
    done = {item.pk: item for item in prepared or ()}
    missing = [row for row in rows if row.pk not in done]
    if missing:
        for item in preparing.prepare_many(prepare_sources(missing), our_addresses()):
            done[item.pk] = item
    fast: list[_Fast] = []
    single: list[int] = []
    for row in rows:
        item = done[row.pk]
        if item.single or item.parsed is None:
            single.append(row.pk)
            continue
        parsed = item.parsed
        mailbox = row.mailbox
        if mailbox is None:
            # Preparing had no mailbox to check a reply token against.
            mailbox = _mailbox_for(parsed)
            if mailbox is not None and identity.reference_from_token(
                parsed.recipients, mailbox.address
            ):
                single.append(row.pk)
                continue
        raw = bytes(row.raw)
        fast.append(
            _Fast(
                row,
                raw,
                parsed,
                None,
                mailbox,
                language=item.language,
                who=item.who,
                redacted=raw if item.redacted is None else item.redacted,
            )
        )
    return fast, single


def _process_batch(prepared: list[_Fast], single: list[int]) -> dict[str, int]:
    ids = [fast.row.pk for fast in prepared]
    # Under the row locks: only what no other run has parsed meanwhile.
    attempts = dict(
        InboundEmail.objects.select_for_update()
        .filter(pk__in=ids, status=InboundStatus.RECEIVED)
        .values_list("pk", "attempts")
    )
    candidates = [fast for fast in prepared if fast.row.pk in attempts]
    for fast in candidates:
        fast.row.attempts = attempts[fast.row.pk]
    statuses: dict[str, int] = {}
    users = _users_by_address({fast.parsed.from_address for fast in candidates})
    fast_ones: list[_Fast] = []
    for fast in candidates:
        fast.sender = users.get(fast.parsed.from_address.lower())
        if fast.sender is not None and not fast.sender.is_customer:
            single.append(fast.row.pk)  # staff: ignored, by the one-by-one path
        else:
            if fast.sender is not None:
                fast.language = fast.sender.language
            fast_ones.append(fast)
    if fast_ones:
        _fast_tickets(fast_ones, _our_addresses())
        statuses[InboundStatus.TICKET] = len(fast_ones)
    for inbound_id in single:
        status = inbound_process(inbound_id=inbound_id)
        if status:
            statuses[status] = statuses.get(status, 0) + 1
    return statuses


def _users_by_address(addresses: set[str]) -> dict[str, User]:
    """Users by lower-cased address (as `email__iexact`), in one query."""
    lowered = {address.lower() for address in addresses}
    return {
        user.email.lower(): user
        for user in User.objects.annotate(address=Lower("email")).filter(
            address__in=lowered
        )
    }


def _fast_tickets(batch: list[_Fast], ours: set[str]) -> None:
    """New tickets for `batch`, as `_process` would open them, a statement per table."""
    new_customers: dict[str, User] = {}
    for fast in batch:
        parsed = fast.parsed
        if fast.sender is None:
            address = parsed.from_address.lower()
            if address in new_customers:
                # A second message from the same new address: as if its record existed.
                fast.language = new_customers[address].language
            else:
                user = User(
                    email=User.objects.normalize_email(parsed.from_address).lower(),
                    display_name=parsed.from_name[:150],
                    language=fast.language,
                    email_verified=False,
                )
                # As set_unusable_password(), whose 40 secrets.choice() calls cost more than
                # the rest of the customer row.
                user.password = UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30)
                new_customers[address] = user
    insert_returning(list(new_customers.values()))
    category = _default_category()
    items = []
    for fast in batch:
        who = fast.who or identity.check_sender(fast.parsed, fast.raw)
        fast.row.auth_summary = who.summary
        customer = fast.sender or new_customers[fast.parsed.from_address.lower()]
        fast.row.sender_verified = (
            who.aligned and fast.sender is not None and fast.sender.email_verified
        )
        subject = fast.parsed.subject.strip() or _("(no subject)")
        items.append(
            ticket_services.NewTicket(
                customer=customer,
                subject=subject[: ticket_services.SUBJECT_MAX],
                description=_body_with_refusals(fast.parsed, []),
                category=category,
                channel=Channel.EMAIL,
                language=fast.language,
                tags=[] if fast.row.sender_verified else [UNVERIFIED_TAG],
            )
        )
    tickets = ticket_services.tickets_create_many(items=items)
    thread_ids: list[ThreadMessageId] = []
    replies: list[dict[str, Any]] = []
    allowed = _auto_reply_allowance({fast.parsed.from_address for fast in batch})
    now = timezone.now()
    masked: list[InboundEmail] = []
    for fast, ticket in zip(batch, tickets, strict=True):
        fast.ticket = ticket
        parsed = fast.parsed
        if parsed.message_id:
            thread_ids.append(
                ThreadMessageId(
                    message_id=parsed.message_id,
                    ticket=ticket,
                    direction=Direction.INBOUND,
                )
            )
        mailbox = fast.mailbox
        if (
            mailbox is not None
            and mailbox.auto_reply
            and allowed.get(parsed.from_address, 0) > 0
            and _may_auto_reply_by_headers(parsed, ours)
        ):
            allowed[parsed.from_address] -= 1
            message_id = outbound.outbound_message_id(ticket, mailbox)
            thread_ids.append(
                ThreadMessageId(
                    message_id=message_id, ticket=ticket, direction=Direction.OUTBOUND
                )
            )
            replies.append(
                outbound.auto_reply_row(
                    ticket=ticket,
                    mailbox=mailbox,
                    in_reply_to=parsed.message_id,
                    message_id=message_id,
                )
            )
        row = fast.row
        row.attempts += 1
        row.message_id = parsed.message_id or row.message_id
        row.from_address = parsed.from_address[:320]
        row.subject = redaction.mask_text(parsed.subject)[:300]
        row.html = redaction.mask_text(parsed.html)
        row.status = InboundStatus.TICKET
        row.reason = "new ticket"
        row.processed_at = now
        row.ticket = ticket
        # The secret spans of the source are masked once it is parsed (see redaction.py).
        if fast.redacted != fast.raw:
            row.raw = fast.redacted
            masked.append(row)
    # The first ticket to record an id keeps it (a re-sent copy must not move the thread).
    insert_rows(thread_ids, ignore_conflicts=True)
    delivery_enqueue_many(replies)
    _update_rows([fast.row for fast in batch], _ROW_FIELDS)
    if masked:
        _update_rows(masked, ["raw"])


def _update_rows(rows: list[InboundEmail], names: list[str]) -> None:
    """Save `names` of each row: one prepared UPDATE run for all rows (bulk_update builds a
    CASE expression per field and row, which costs more than the rest of the batch)."""
    meta = InboundEmail._meta
    fields = [cast("Field[Any, Any]", meta.get_field(name)) for name in names]
    quote = connection.ops.quote_name
    # Only quoted model column names go into the text; every value is a parameter.
    columns = ", ".join(f"{quote(str(field.column))} = %s" for field in fields)
    sql = f"UPDATE {quote(meta.db_table)} SET {columns} WHERE {quote('id')} = %s"  # noqa: S608
    # The connection itself, not the per-context proxy that every value would go through.
    db = connections[connection.alias]
    params = [
        [field.get_db_prep_save(getattr(row, field.attname), db) for field in fields]
        + [row.pk]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _auto_reply_allowance(addresses: set[str]) -> dict[str, int]:
    """How many more auto-replies each address may get today (0 for a bouncing address)."""
    since = timezone.now() - timedelta(days=1)
    sent: dict[str, int] = {}
    for address in Delivery.objects.filter(
        template_key=outbound.AUTO_REPLY_TEMPLATE,
        address__in=addresses,
        created_at__gte=since,
    ).values_list("address", flat=True):
        sent[address] = sent.get(address, 0) + 1
    bouncing = set(
        BouncedAddress.objects.filter(address__in=addresses).values_list(
            "address", flat=True
        )
    )
    return {
        address: 0
        if address in bouncing
        else settings.EMAIL_AUTO_REPLY_LIMIT - sent.get(address, 0)
        for address in addresses
    }
