"""Intake end to end through the services: storage, idempotency, threading, identity, loops, bounces."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage

import dkim
import pytest
from Crypto.PublicKey import RSA
from django.core import mail
from pytest_django.fixtures import Settings

from beacon.accounts.tests.factories import AgentFactory
from beacon.intake.email import identity
from beacon.intake.email.models import (
    BouncedAddress,
    InboundEmail,
    InboundStatus,
    Mailbox,
    Source,
    ThreadMessageId,
)
from beacon.intake.email.services import UNVERIFIED_TAG, inbound_process, inbound_store
from beacon.intake.email.tests.conftest import Deliver, customer, email_ticket, sample
from beacon.notifications.models import Delivery
from beacon.notifications.services import deliveries_drain
from beacon.sla.models import SlaPolicy
from beacon.tickets.models import Category, Channel, Message, Ticket

pytestmark = pytest.mark.django_db


def _mail(
    *,
    sender: str = "alice@example.com",
    subject: str = "Withdrawal stuck",
    body: str = "My withdrawal of 2 ETH is stuck.",
    message_id: str | None = "new-1@example.com",
    to: str = "support@beacon.test",
    headers: dict[str, str] | None = None,
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    if message_id:
        message["Message-ID"] = f"<{message_id}>"
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    return message.as_bytes()


def _trusted(domain: str, *, dmarc: str = "pass", spf: str = "pass") -> dict[str, str]:
    return {
        "Authentication-Results": f"mx.beacon.test; spf={spf} smtp.mailfrom={domain}; dmarc={dmarc} header.from={domain}"
    }


# --- corpus: each client's reply joins its ticket --------------------------------------------


@pytest.mark.parametrize(
    ("name", "files"),
    [
        ("gmail_reply_en.eml", 0),
        ("gmail_reply_zh.eml", 0),
        ("outlook_reply_en.eml", 1),
        ("apple_mail_en.eml", 1),
        ("qq_mail_zh.eml", 0),
        ("netease_163_zh.eml", 0),
    ],
)
def test_authenticated_client_reply_joins_its_ticket(
    deliver: Deliver, category: Category, name: str, files: int
) -> None:
    sender = identity_of(name)
    ticket = email_ticket(customer(sender), category)

    row = deliver(name)

    assert row.status == InboundStatus.REPLY, row.reason
    assert row.ticket == ticket and row.sender_verified
    message = ticket.messages.get(from_customer=True)
    assert message.channel == Channel.EMAIL
    assert message.attachments.count() == files
    # Quoted history is not in the conversation, but still in the stored source.
    assert (
        "wrote:" not in message.body
        and "写道" not in message.body
        and "原始邮件" not in message.body
    )
    assert bytes(row.raw) == sample(name)


def identity_of(name: str) -> str:
    from beacon.intake.email.parsing import parse_message

    return parse_message(sample(name)).from_address


def test_new_mail_from_unknown_sender_opens_a_flagged_ticket_and_customer(
    deliver: Deliver,
) -> None:
    row = deliver("big5_traditional.eml")

    assert row.status == InboundStatus.TICKET
    ticket = row.ticket
    assert ticket is not None
    assert ticket.channel == Channel.EMAIL
    assert ticket.subject == "帳戶被凍結"
    assert "我的帳戶被凍結了" in ticket.description
    assert ticket.language == "zh-hans"
    assert ticket.customer.email == "taiman.chan@example.hk"
    assert not ticket.customer.email_verified
    assert ticket.tags.filter(name=UNVERIFIED_TAG).exists()


def test_new_mail_from_known_customer_opens_a_new_ticket(
    deliver: Deliver, category: Category
) -> None:
    alice = customer("alice@example.com", language="zh-hans")
    old = email_ticket(alice, category)

    row = deliver(_mail(headers=_trusted("example.com")))

    assert row.status == InboundStatus.TICKET
    assert row.ticket is not None and row.ticket != old
    assert row.ticket.customer == alice
    assert row.ticket.language == "zh-hans"
    assert row.sender_verified
    assert not row.ticket.tags.filter(name=UNVERIFIED_TAG).exists()


def test_unverified_account_address_gives_an_unverified_ticket(
    deliver: Deliver,
) -> None:
    customer("alice@example.com", email_verified=False)

    row = deliver(_mail(headers=_trusted("example.com")))

    assert row.ticket is not None
    assert not row.sender_verified
    assert row.ticket.tags.filter(name=UNVERIFIED_TAG).exists()


def test_html_only_mail_becomes_a_ticket_with_sanitised_html(deliver: Deliver) -> None:
    row = deliver("html_only.eml")

    assert row.ticket is not None
    assert "My account was locked" in row.ticket.description
    assert "<script" not in row.html and "onclick" not in row.html


def test_forwarded_mail_keeps_the_forwarded_content(deliver: Deliver) -> None:
    row = deliver("forwarded_gmail.eml")

    assert row.ticket is not None
    assert "Forwarded message" in row.ticket.description
    assert "recovery words" in row.ticket.description


def test_calendar_invite_is_attached_as_a_text_file(deliver: Deliver) -> None:
    row = deliver("calendar_invite.eml")

    assert row.ticket is not None
    files = list(row.ticket.attachments.all())
    assert [(f.content_type, f.original_name) for f in files] == [
        ("text/plain", "invite.txt")
    ]


def test_malformed_mime_still_becomes_a_ticket(deliver: Deliver) -> None:
    row = deliver("malformed_mime.eml")

    assert row.status == InboundStatus.TICKET
    assert row.ticket is not None
    assert row.ticket.subject == "提币失败 help"
    assert "我的提币失败了" in row.ticket.description


def test_huge_attachment_is_refused_by_the_portal_limits_but_the_text_is_kept(
    deliver: Deliver, settings: Settings
) -> None:
    message = EmailMessage()
    message["From"] = "big@example.com"
    message["To"] = "support@beacon.test"
    message["Subject"] = "Statement"
    message["Message-ID"] = "<huge-1@example.com>"
    message.set_content("Here is my bank statement.")
    blob = b"%PDF-1.7\n" + b"0" * (settings.ATTACHMENT_MAX_BYTES + 1024)
    message.add_attachment(
        blob, maintype="application", subtype="pdf", filename="statement.pdf"
    )
    message.add_attachment(
        b"MZ\x90\x00" + b"\x00" * 500,
        maintype="application",
        subtype="octet-stream",
        filename="tool.exe",
    )

    row = deliver(message.as_bytes())

    assert row.ticket is not None
    assert row.ticket.attachments.count() == 0
    assert "Here is my bank statement." in row.ticket.description
    assert (
        "statement.pdf" in row.ticket.description
        and "tool.exe" in row.ticket.description
    )


# --- idempotency -------------------------------------------------------------------------------


def test_the_same_message_twice_is_stored_and_parsed_once(
    deliver: Deliver, mailbox: Mailbox
) -> None:
    raw = sample("html_only.eml")

    first = deliver(raw)
    again, created = inbound_store(raw=raw, source=Source.IMAP, mailbox=mailbox)

    assert not created and again.pk == first.pk
    assert inbound_process(inbound_id=again.pk) is None
    assert Ticket.objects.count() == 1
    assert InboundEmail.objects.count() == 1


def test_a_message_without_message_id_is_deduplicated_by_its_content(
    deliver: Deliver,
) -> None:
    raw = _mail(message_id=None)

    deliver(raw)
    deliver(raw)
    deliver(_mail(message_id=None, body="Something else"))

    assert Ticket.objects.count() == 2
    assert set(InboundEmail.objects.values_list("dedup_key", flat=True).distinct()) == {
        row.dedup_key for row in InboundEmail.objects.all()
    }
    assert all(
        key.startswith("sha:")
        for key in InboundEmail.objects.values_list("dedup_key", flat=True)
    )


def test_a_failed_parse_is_kept_with_its_error(deliver: Deliver) -> None:
    Category.objects.update(is_active=False)

    row = deliver("html_only.eml")

    assert row.status == InboundStatus.FAILED
    assert row.last_error
    assert Ticket.objects.count() == 0


# --- threading -------------------------------------------------------------------------------


def test_reference_in_the_subject_threads_an_authenticated_reply(
    deliver: Deliver, category: Category
) -> None:
    alice = customer("alice@example.com")
    ticket = email_ticket(alice, category)

    row = deliver(
        _mail(
            subject=f"Re: question [{ticket.reference}]",
            headers=_trusted("example.com"),
        )
    )

    assert row.status == InboundStatus.REPLY and row.ticket == ticket


def test_inbound_message_ids_are_remembered_for_later_replies(
    deliver: Deliver, category: Category
) -> None:
    alice = customer("alice@example.com")
    first = deliver(_mail(message_id="q1@example.com", headers=_trusted("example.com")))

    row = deliver(
        _mail(
            message_id="q2@example.com",
            subject="more",
            headers={**_trusted("example.com"), "In-Reply-To": "<q1@example.com>"},
        )
    )

    assert row.status == InboundStatus.REPLY
    assert row.ticket == first.ticket
    assert ThreadMessageId.objects.filter(
        message_id="q2@example.com", ticket=first.ticket
    ).exists()
    assert first.ticket is not None and first.ticket.customer == alice


# --- identity and spoofing ---------------------------------------------------------------------


def test_forged_from_with_failing_dkim_does_not_reach_the_existing_ticket(
    deliver: Deliver, category: Category
) -> None:
    alice = customer("alice.chen@gmail.com")
    ticket = email_ticket(alice, category)
    forged = _mail(
        sender="Alice Chen <alice.chen@gmail.com>",
        subject=f"Re: deposit [{ticket.reference}]",
        body="Please change my withdrawal address to 0xattacker.",
        headers={
            "In-Reply-To": "<out-1@beacon.test>",
            # A signature that does not verify, and results from a host we do not trust.
            "DKIM-Signature": "v=1; a=rsa-sha256; d=gmail.com; s=20230601; h=from:subject; bh=AAAA; b=AAAA",
            "Authentication-Results": "attacker.example; dkim=pass header.d=gmail.com; dmarc=pass header.from=gmail.com",
        },
    )

    row = deliver(forged)

    assert row.status == InboundStatus.TICKET
    assert row.ticket is not None and row.ticket != ticket
    assert row.claimed_ticket == ticket
    assert not row.sender_verified
    assert row.ticket.tags.filter(name=UNVERIFIED_TAG).exists()
    assert not Message.objects.filter(ticket=ticket, from_customer=True).exists()
    assert "0xattacker" not in ticket.description


def test_failing_trusted_dmarc_does_not_join(
    deliver: Deliver, category: Category
) -> None:
    ticket = email_ticket(customer("alice@example.com"), category)

    row = deliver(
        _mail(
            headers={
                **_trusted("example.com", dmarc="fail"),
                "In-Reply-To": "<out-1@beacon.test>",
            }
        )
    )

    assert row.claimed_ticket == ticket and row.ticket != ticket


def test_authenticated_sender_who_is_not_the_customer_does_not_join(
    deliver: Deliver, category: Category
) -> None:
    ticket = email_ticket(customer("alice@example.com"), category)
    customer("mallory@example.com")

    row = deliver(
        _mail(
            sender="mallory@example.com",
            headers={**_trusted("example.com"), "In-Reply-To": "<out-1@beacon.test>"},
        )
    )

    assert row.claimed_ticket == ticket
    assert row.ticket is not None and row.ticket.customer.email == "mallory@example.com"


def test_reply_token_plus_spf_pass_joins(deliver: Deliver, category: Category) -> None:
    ticket = email_ticket(customer("alice@example.com"), category)
    address = identity.reply_address("support@beacon.test", ticket.reference)

    # SPF passes for the envelope domain, DMARC does not (e.g. no DMARC record).
    row = deliver(
        _mail(
            to=address,
            subject="no reference here",
            headers=_trusted("example.com", dmarc="none"),
        )
    )

    assert row.status == InboundStatus.REPLY and row.ticket == ticket


def test_reply_token_without_spf_or_dkim_does_not_join(
    deliver: Deliver, category: Category
) -> None:
    ticket = email_ticket(customer("alice@example.com"), category)
    address = identity.reply_address("support@beacon.test", ticket.reference)

    row = deliver(
        _mail(to=address, headers=_trusted("example.com", dmarc="none", spf="fail"))
    )

    assert row.claimed_ticket == ticket and row.ticket != ticket


def test_a_tampered_reply_token_is_not_a_token(category: Category) -> None:
    ticket = email_ticket(customer("alice@example.com"), category)
    good = identity.reply_address("support@beacon.test", ticket.reference)
    bad = good[:-14] + ("a" if good[-14] != "a" else "b") + good[-13:]

    assert (
        identity.reference_from_token([good], "support@beacon.test") == ticket.reference
    )
    assert identity.reference_from_token([bad], "support@beacon.test") is None


@pytest.fixture
def dkim_key() -> Iterator[tuple[bytes, str]]:
    key = RSA.generate(2048)
    public_key = key.publickey()  # type: ignore[no-untyped-call]  # pycryptodome is untyped here
    public = base64.b64encode(public_key.export_key(format="DER")).decode()
    identity.set_dns_lookup(
        lambda name, timeout=5: f"v=DKIM1; k=rsa; p={public}".encode()
    )
    yield key.export_key(format="PEM", pkcs=1), public
    identity.set_dns_lookup(None)


def _signed(raw: bytes, private: bytes, domain: str = "example.com") -> bytes:
    signature = dkim.sign(
        raw,
        b"s1",
        domain.encode(),
        private,
        include_headers=[b"from", b"subject", b"to", b"in-reply-to"],
    )
    return bytes(signature) + raw


def test_own_dkim_verification_authenticates_an_aligned_signature(
    deliver: Deliver,
    category: Category,
    dkim_key: tuple[bytes, str],
    settings: Settings,
) -> None:
    settings.EMAIL_TRUSTED_AUTHSERV_IDS = []
    ticket = email_ticket(customer("alice@example.com"), category)
    raw = _signed(_mail(headers={"In-Reply-To": "<out-1@beacon.test>"}), dkim_key[0])

    row = deliver(raw)

    assert row.status == InboundStatus.REPLY and row.ticket == ticket
    assert "own DKIM check: example.com" in row.auth_summary


def test_own_dkim_verification_fails_on_a_changed_body(
    deliver: Deliver,
    category: Category,
    dkim_key: tuple[bytes, str],
    settings: Settings,
) -> None:
    settings.EMAIL_TRUSTED_AUTHSERV_IDS = []
    ticket = email_ticket(customer("alice@example.com"), category)
    raw = _signed(_mail(headers={"In-Reply-To": "<out-1@beacon.test>"}), dkim_key[0])

    row = deliver(raw.replace(b"2 ETH", b"9 ETH"))

    assert row.claimed_ticket == ticket and row.ticket != ticket


def test_dkim_of_an_unrelated_domain_is_not_aligned(
    deliver: Deliver,
    category: Category,
    dkim_key: tuple[bytes, str],
    settings: Settings,
) -> None:
    settings.EMAIL_TRUSTED_AUTHSERV_IDS = []
    email_ticket(customer("alice@example.com"), category)
    raw = _signed(
        _mail(headers={"In-Reply-To": "<out-1@beacon.test>"}),
        dkim_key[0],
        domain="attacker.example",
    )

    row = deliver(raw)

    assert row.status == InboundStatus.TICKET and row.claimed_ticket is not None


# --- loops, automatic mail, bounces ------------------------------------------------------------


def test_bounce_marks_the_address_and_opens_no_ticket(deliver: Deliver) -> None:
    row = deliver("bounce_dsn.eml")

    assert row.status == InboundStatus.BOUNCE
    assert Ticket.objects.count() == 0
    bounced = BouncedAddress.objects.get()
    assert (bounced.address, bounced.status) == ("gone@example.net", "5.1.1")


def test_out_of_office_reply_is_ignored(deliver: Deliver, category: Category) -> None:
    ticket = email_ticket(customer("john.miller@outlook.com"), category)

    row = deliver("out_of_office.eml")

    assert row.status == InboundStatus.IGNORED
    assert not ticket.messages.filter(from_customer=True).exists()
    assert Ticket.objects.count() == 1
    assert mail.outbox == []


def test_mail_from_our_own_address_is_ignored(deliver: Deliver) -> None:
    row = deliver(_mail(sender="Beacon Support <support@beacon.test>"))

    assert row.status == InboundStatus.IGNORED and Ticket.objects.count() == 0


def test_mail_from_staff_is_ignored(deliver: Deliver) -> None:
    AgentFactory.create(email="agent@beacon.test")

    row = deliver(_mail(sender="agent@beacon.test"))

    assert row.status == InboundStatus.IGNORED and Ticket.objects.count() == 0


def test_new_ticket_gets_one_auto_reply_with_reference_sla_and_link_only(
    deliver: Deliver, category: Category
) -> None:
    SlaPolicy.objects.create(
        name="Default", first_response_minutes=120, resolution_minutes=2880
    )

    row = deliver(
        _mail(
            subject="Secret subject 42",
            body="Unique body words zebra",
            headers=_trusted("example.com"),
        )
    )

    assert row.ticket is not None
    assert (
        len(mail.outbox) == 1
    )  # the auto-reply, not also the generic "received" notice
    sent = mail.outbox[0]
    reference = row.ticket.reference
    assert reference in sent.subject
    assert "Secret subject" not in sent.subject and "Secret subject" not in sent.body
    assert "zebra" not in sent.body
    assert "2 hours" in sent.body
    assert f"https://support.beacon.test/tickets/{reference}/" in sent.body
    assert sent.extra_headers["Auto-Submitted"] == "auto-generated"
    assert sent.extra_headers["In-Reply-To"] == "<new-1@example.com>"
    assert sent.to == ["alice@example.com"]
    assert sent.from_email == "Beacon Support <support@beacon.test>"


def test_auto_reply_is_in_the_customers_language(deliver: Deliver) -> None:
    customer("wang@example.com", language="zh-hans")

    deliver(
        _mail(
            sender="wang@example.com",
            subject="提现",
            body="我的提现没有到账",
            headers=_trusted("example.com"),
        )
    )

    assert "我们已收到您的请求" in mail.outbox[0].subject


@pytest.mark.parametrize(
    ("sender", "headers"),
    [
        ("alice@example.com", {"Auto-Submitted": "auto-generated"}),
        ("alice@example.com", {"Precedence": "bulk"}),
        ("alice@example.com", {"Precedence": "list"}),
        ("alice@example.com", {"Precedence": "junk"}),
        ("alice@example.com", {"List-Id": "<traders.lists.example.com>"}),
        ("alice@example.com", {"List-Unsubscribe": "<mailto:leave@lists.example.com>"}),
    ],
)
def test_no_auto_reply_to_automatic_or_list_mail(
    deliver: Deliver, sender: str, headers: dict[str, str]
) -> None:
    row = deliver(_mail(sender=sender, headers=headers))

    assert row.ticket is not None
    assert mail.outbox == []


@pytest.mark.parametrize(
    "sender",
    ["noreply@example.com", "MAILER-DAEMON@example.com", "postmaster@example.com"],
)
def test_robot_senders_get_no_ticket_and_no_answer(
    deliver: Deliver, sender: str
) -> None:
    row = deliver(_mail(sender=sender))

    assert row.status == InboundStatus.IGNORED
    assert mail.outbox == []


def test_auto_submitted_no_is_answered(deliver: Deliver) -> None:
    deliver(_mail(headers={"Auto-Submitted": "no"}))

    assert len(mail.outbox) == 1


def test_auto_replies_are_rate_limited_per_sender(
    deliver: Deliver, settings: Settings
) -> None:
    settings.EMAIL_AUTO_REPLY_LIMIT = 3

    for n in range(5):
        deliver(_mail(message_id=f"flood-{n}@example.com", subject=f"flood {n}"))

    deliveries_drain()

    assert Ticket.objects.count() == 5
    assert Delivery.objects.filter(template_key="email_auto_reply").count() == 3
    assert len(mail.outbox) == 3


def test_no_auto_reply_to_a_bouncing_address(deliver: Deliver) -> None:
    BouncedAddress.objects.create(address="alice@example.com", status="5.1.1")

    deliver(_mail())

    assert mail.outbox == []


# --- secrets ---------------------------------------------------------------------------------

SEED = "legal winner thank year wave sausage worth useful legal winner thank yellow"


def test_a_pasted_seed_phrase_is_masked_in_the_ticket_and_in_the_stored_source(
    deliver: Deliver,
) -> None:
    message = EmailMessage()
    message["From"] = "victim@example.com"
    message["To"] = "support@beacon.test"
    message["Subject"] = "Wallet help"
    message["Message-ID"] = "<seed-1@example.com>"
    message.set_content(
        f"Support asked for my recovery phrase: {SEED}\nPlease restore my wallet."
    )
    message.add_alternative(
        f"<p>Support asked for my recovery phrase: {SEED}</p>", subtype="html"
    )

    row = deliver(message.as_bytes())

    assert row.ticket is not None
    assert "sausage" not in row.ticket.description
    assert "Please restore my wallet." in row.ticket.description
    raw = bytes(row.raw)
    assert b"sausage" not in raw
    from beacon.intake.email.parsing import parse_message

    stored = parse_message(raw)
    assert "sausage" not in stored.text and "sausage" not in stored.html
    assert "Please restore my wallet." in stored.text
    # The structure is kept: still a multipart/alternative with the same Message-ID.
    assert stored.message_id == "seed-1@example.com" and stored.html


def test_a_message_without_secrets_is_stored_byte_for_byte(deliver: Deliver) -> None:
    assert bytes(deliver("gmail_reply_zh.eml").raw) == sample("gmail_reply_zh.eml")


def test_rows_left_unparsed_by_a_crash_are_picked_up(mailbox: Mailbox) -> None:
    from beacon.intake.email.services import inbound_process_pending
    from beacon.intake.email.tasks import mailboxes_poll_task

    stored, _created = inbound_store(
        raw=sample("html_only.eml"), source=Source.IMAP, mailbox=mailbox
    )
    assert (
        inbound_process_pending(older_than_seconds=60) == 0
    )  # too recent: maybe in flight

    InboundEmail.objects.filter(pk=stored.pk).update(
        received_at=stored.received_at - timedelta(minutes=5)
    )
    mailboxes_poll_task()  # the minute job (no IMAP mailboxes here) also recovers them

    stored.refresh_from_db()
    assert stored.status == InboundStatus.TICKET
