"""Polling a mailbox over IMAP (TLS): store each new message, then flag or delete it.

A message is flagged ($BeaconImported, \\Seen) or deleted on the server only after its raw row
has committed, so a crash at any point leaves it either on the server unflagged (fetched again
next time: the same row) or stored. Parsing runs afterwards from the stored rows.
"""

from __future__ import annotations

import imaplib
import logging
import ssl
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone

from beacon.core.errors import DomainError
from beacon.intake.email.models import ImapAfter, ImapAuth, Mailbox, Source
from beacon.intake.email.services import inbound_process, inbound_store

logger = logging.getLogger(__name__)

IMPORTED_FLAG = "$BeaconImported"


@dataclass
class PollResult:
    fetched: int = 0
    stored: int = 0
    inbound_ids: list[int] = field(default_factory=list)


def _connect(mailbox: Mailbox) -> imaplib.IMAP4_SSL:
    # The system's trust store (SSL_CERT_FILE works for private CAs); never unverified TLS.
    context = ssl.create_default_context()
    client = imaplib.IMAP4_SSL(
        mailbox.imap_host,
        mailbox.imap_port,
        ssl_context=context,
        timeout=settings.EMAIL_IMAP_TIMEOUT,
    )
    if mailbox.imap_auth == ImapAuth.OAUTH2:
        # RFC 7628 / Google and Microsoft XOAUTH2: the access token as a bearer credential.
        credential = (
            f"user={mailbox.imap_username}\x01auth=Bearer {mailbox.imap_secret}\x01\x01"
        )
        client.authenticate("XOAUTH2", lambda _challenge: credential.encode())
    else:
        client.login(mailbox.imap_username, mailbox.imap_secret)
    return client


def mailbox_poll(*, mailbox: Mailbox, process: bool = True) -> PollResult:
    """Fetch unimported messages from one mailbox (at most EMAIL_IMAP_BATCH per run)."""
    result = PollResult()
    client = _connect(mailbox)
    try:
        status, _data = client.select(f'"{mailbox.imap_folder}"')
        if status != "OK":
            raise imaplib.IMAP4.error(f"cannot select {mailbox.imap_folder}")
        status, data = client.uid("SEARCH", "UNKEYWORD", IMPORTED_FLAG, "UNDELETED")
        uids = data[0].split() if status == "OK" and data and data[0] else []
        for uid in uids[: settings.EMAIL_IMAP_BATCH]:
            status, parts = client.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = next(
                (p[1] for p in parts if isinstance(p, tuple) and len(p) > 1), None
            )
            if status != "OK" or not isinstance(raw, bytes):
                continue
            result.fetched += 1
            try:
                row, created = inbound_store(
                    raw=raw, source=Source.IMAP, mailbox=mailbox
                )
            except DomainError as exc:
                # Too large to take: left on the server, unflagged, for a person to handle.
                logger.warning(
                    "mailbox %s: message %s refused: %s", mailbox.pk, uid, exc
                )
                continue
            # The row is committed now (inbound_store runs outside any transaction).
            result.stored += int(created)
            result.inbound_ids.append(row.pk)
            if mailbox.imap_after == ImapAfter.DELETE:
                client.uid("STORE", uid, "+FLAGS", "(\\Deleted)")
            else:
                client.uid("STORE", uid, "+FLAGS", f"({IMPORTED_FLAG} \\Seen)")
        if mailbox.imap_after == ImapAfter.DELETE and result.fetched:
            client.expunge()
    finally:
        try:
            client.logout()
        except (imaplib.IMAP4.error, OSError):
            logger.info("mailbox %s: logout failed", mailbox.pk)
    Mailbox.objects.filter(pk=mailbox.pk).update(
        last_polled_at=timezone.now(), last_error=""
    )
    if process:
        for inbound_id in result.inbound_ids:
            inbound_process(inbound_id=inbound_id)
    return result


def mailboxes_poll() -> int:
    """Poll every active mailbox that has IMAP set up; a failing one does not stop the rest."""
    fetched = 0
    for mailbox in Mailbox.objects.filter(is_active=True).exclude(imap_host=""):
        try:
            fetched += mailbox_poll(mailbox=mailbox).fetched
        except (imaplib.IMAP4.error, OSError, ssl.SSLError) as exc:
            logger.warning("mailbox %s: poll failed: %s", mailbox.pk, exc)
            Mailbox.objects.filter(pk=mailbox.pk).update(
                last_polled_at=timezone.now(), last_error=str(exc)[:2000]
            )
    return fetched
