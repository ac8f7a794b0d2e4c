"""Against real servers: a private Dovecot holding the inbound mailbox (IMAP over TLS), and
aiosmtpd (SMTP with STARTTLS) receiving our replies."""

from __future__ import annotations

import email
import imaplib
import json
import ssl
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread
from typing import Any
from urllib.parse import parse_qs

import pytest
from pytest_django.fixtures import Settings

from beacon.accounts.tests.factories import AgentFactory
from beacon.intake.email import imap
from beacon.intake.email.models import (
    ImapAfter,
    ImapAuth,
    InboundEmail,
    InboundStatus,
    Mailbox,
)
from beacon.intake.email.tests.conftest import customer, email_ticket, sample
from beacon.intake.email.tests.servers import (
    USER,
    Dovecot,
    SmtpSink,
    dovecot,
    make_certificate,
    smtp_server,
)
from beacon.notifications.services import deliveries_drain
from beacon.tickets.models import Category, Ticket
from beacon.tickets.services import reply_add

pytestmark = [pytest.mark.live, pytest.mark.django_db]


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return make_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def trust(certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))


@pytest.fixture
def server(certificate: tuple[Path, Path], trust: None) -> Iterator[Dovecot]:
    with dovecot(*certificate) as running:
        yield running


@pytest.fixture
def imap_mailbox(mailbox: Mailbox, server: Dovecot) -> Mailbox:
    mailbox.imap_host = "127.0.0.1"
    mailbox.imap_port = server.port
    mailbox.imap_username = server.user
    mailbox.imap_secret = server.password
    mailbox.save()
    return mailbox


@pytest.fixture
def smtp_mailer(settings: Settings) -> None:
    """Outbound mail through the local aiosmtpd server of `smtp_server`, over STARTTLS."""
    from beacon.intake.email.tests.servers import SMTP_PORT

    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": "127.0.0.1",
                "port": SMTP_PORT,
                "use_tls": True,
                "timeout": 10,
            },
        }
    }


def _server_flags(server: Dovecot) -> list[bytes]:
    client = imaplib.IMAP4_SSL(
        "127.0.0.1", server.port, ssl_context=ssl.create_default_context()
    )
    client.login(server.user, server.password)
    client.select("INBOX")
    _status, data = client.uid("FETCH", "1:*", "(FLAGS)")
    client.logout()
    return [item for item in data if isinstance(item, bytes)]


def test_imap_poll_imports_each_message_once_and_flags_it_after_commit(
    server: Dovecot, imap_mailbox: Mailbox, category: Category
) -> None:
    ticket = email_ticket(customer("alice.chen@gmail.com"), category)
    server.deliver("1.eml", sample("gmail_reply_en.eml"))
    server.deliver("2.eml", sample("html_only.eml"))
    server.deliver("3.eml", sample("html_only.eml"))  # re-delivered by the MTA

    first = imap.mailbox_poll(mailbox=imap_mailbox)
    second = imap.mailbox_poll(mailbox=imap_mailbox)

    assert (first.fetched, first.stored) == (3, 2)
    assert second.fetched == 0
    assert InboundEmail.objects.count() == 2
    assert ticket.messages.filter(from_customer=True).count() == 1
    assert Ticket.objects.count() == 2
    flags = _server_flags(server)
    assert len(flags) == 3 and all(
        b"$BeaconImported" in f and b"\\Seen" in f for f in flags
    )
    imap_mailbox.refresh_from_db()
    assert imap_mailbox.last_polled_at is not None and imap_mailbox.last_error == ""


def test_a_message_that_could_not_be_stored_stays_unflagged_on_the_server(
    server: Dovecot,
    imap_mailbox: Mailbox,
    monkeypatch: pytest.MonkeyPatch,
    settings: Settings,
) -> None:
    server.deliver("1.eml", sample("html_only.eml"))
    settings.EMAIL_MAX_MESSAGE_BYTES = 100  # the store refuses it

    result = imap.mailbox_poll(mailbox=imap_mailbox)

    assert (result.fetched, result.stored) == (1, 0)
    assert all(b"$BeaconImported" not in f for f in _server_flags(server))
    settings.EMAIL_MAX_MESSAGE_BYTES = 10_000_000
    assert imap.mailbox_poll(mailbox=imap_mailbox).stored == 1


def test_delete_mode_removes_messages_after_storing(
    server: Dovecot, imap_mailbox: Mailbox
) -> None:
    imap_mailbox.imap_after = ImapAfter.DELETE
    imap_mailbox.save()
    server.deliver("1.eml", sample("big5_traditional.eml"))

    imap.mailbox_poll(mailbox=imap_mailbox)

    assert _server_flags(server) == []
    assert InboundEmail.objects.get().status == InboundStatus.TICKET


def test_wrong_password_is_recorded_on_the_mailbox(
    server: Dovecot, imap_mailbox: Mailbox
) -> None:
    imap_mailbox.imap_secret = "wrong"
    imap_mailbox.save()

    assert imap.mailboxes_poll() == 0

    imap_mailbox.refresh_from_db()
    assert imap_mailbox.last_error


def test_agent_reply_reaches_a_real_smtp_server_over_starttls_threaded(
    certificate: tuple[Path, Path],
    trust: None,
    deliver: Callable[..., InboundEmail],
    smtp_mailer: None,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    customer("alice.chen@gmail.com")
    sink: SmtpSink
    with smtp_server(*certificate) as sink:
        row = deliver(
            sample("gmail_reply_en.eml").replace(
                b"In-Reply-To: <out-1@beacon.test>", b"X-Old: 1"
            )
        )
        assert row.ticket is not None
        deliveries_drain()  # the auto-reply
        with django_capture_on_commit_callbacks(execute=True):
            reply_add(
                ticket=row.ticket,
                author=AgentFactory.create(),
                body="Your deposit is credited.",
            )
        deliveries_drain()

    assert len(sink.messages) == 2
    auto, reply = (email.message_from_bytes(raw) for raw in sink.messages)
    assert auto["Auto-Submitted"] == "auto-generated"
    assert reply["In-Reply-To"] == "<CAGmail-en-reply-0001@mail.gmail.com>"
    assert "<CAGmail-en-reply-0001@mail.gmail.com>" in reply["References"]
    assert reply["Message-ID"].endswith("@beacon.test>")
    assert reply["Message-ID"] != auto["Message-ID"]
    assert reply["From"] == "Beacon Support <support@beacon.test>"
    assert sink.envelopes[1][1] == ["alice.chen@gmail.com"]
    assert "Your deposit is credited." in reply.get_payload(decode=True).decode()  # type: ignore[union-attr]


def test_agent_reply_copies_the_participants_over_real_smtp_and_the_auto_reply_does_not(
    certificate: tuple[Path, Path],
    trust: None,
    deliver: Callable[..., InboundEmail],
    smtp_mailer: None,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    customer("alice.chen@gmail.com")
    sink: SmtpSink
    with smtp_server(*certificate) as sink:
        # An authenticated (DMARC pass) new mail that copies a colleague.
        row = deliver(
            sample("gmail_reply_en.eml")
            .replace(b"In-Reply-To: <out-1@beacon.test>", b"X-Old: 1")
            .replace(
                b"To: Beacon Support <support@beacon.test>",
                b"To: Beacon Support <support@beacon.test>\r\nCc: Bob Li <bob.li@example.com>",
            )
        )
        assert row.ticket is not None
        deliveries_drain()  # the auto-reply
        with django_capture_on_commit_callbacks(execute=True):
            reply_add(
                ticket=row.ticket,
                author=AgentFactory.create(),
                body="Your deposit is credited.",
            )
        deliveries_drain()

    assert list(row.ticket.participants.values_list("address", flat=True)) == [
        "bob.li@example.com"
    ]
    assert len(sink.messages) == 2
    auto, reply = (email.message_from_bytes(raw) for raw in sink.messages)
    assert auto["Auto-Submitted"] == "auto-generated" and auto["Cc"] is None
    assert sink.envelopes[0][1] == ["alice.chen@gmail.com"]
    assert reply["To"] == "alice.chen@gmail.com"
    assert reply["Cc"] == "bob.li@example.com"
    assert sorted(sink.envelopes[1][1]) == [
        "alice.chen@gmail.com",
        "bob.li@example.com",
    ]
    assert reply["In-Reply-To"] == "<CAGmail-en-reply-0001@mail.gmail.com>"
    assert "<CAGmail-en-reply-0001@mail.gmail.com>" in reply["References"]


class _Introspection(BaseHTTPRequestHandler):
    """The identity provider's token introspection (RFC 7662) that Dovecot asks."""

    valid = "ya29.test-access-token"

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        form = parse_qs(self.rfile.read(length).decode())
        token = (form.get("token") or [""])[0]
        active = token == self.valid
        body = json.dumps(
            {"active": active, "username": USER if active else ""}
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        return


def test_oauth2_xoauth2_sign_in(
    certificate: tuple[Path, Path], trust: None, mailbox: Mailbox
) -> None:
    provider = ThreadingHTTPServer(("127.0.0.1", 8180), _Introspection)
    Thread(target=provider.serve_forever, daemon=True).start()
    try:
        with dovecot(
            *certificate, oauth2_introspection_url="http://127.0.0.1:8180/introspect"
        ) as server:
            server.deliver("1.eml", sample("html_only.eml"))
            mailbox.imap_host = "127.0.0.1"
            mailbox.imap_port = server.port
            mailbox.imap_username = USER
            mailbox.imap_auth = ImapAuth.OAUTH2
            mailbox.imap_secret = "expired-token"
            mailbox.save()
            with pytest.raises(imaplib.IMAP4.error):
                imap.mailbox_poll(mailbox=mailbox)

            mailbox.imap_secret = _Introspection.valid
            mailbox.save()
            result = imap.mailbox_poll(mailbox=mailbox)
    finally:
        provider.shutdown()
        provider.server_close()

    assert result.stored == 1
    assert Ticket.objects.count() == 1
