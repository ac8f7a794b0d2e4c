"""A secret sent through the portal or the API is masked everywhere, the customer is warned and
Account Security is alerted."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from beacon.accounts.models import Membership, User
from beacon.accounts.services import api_token_create
from beacon.accounts.tests.factories import AgentFactory, CustomerFactory, TeamFactory
from beacon.audit.models import AuditEvent
from beacon.notifications.models import Delivery, InAppNotification
from beacon.notifications.rendering import render_notice
from beacon.notifications.services import deliveries_drain
from beacon.tickets.models import Category, Message, MessageKind, Ticket
from beacon.tickets.services import reply_add, ticket_rate, ticket_update
from beacon.tickets.tests.factories import CategoryFactory, make_ticket
from beacon.triage.safety import SECRET_TAG, customer_warning, kind_labels
from beacon.triage.secrets import placeholder
from beacon.triage.tests.secret_checks import assert_secret_absent_everywhere

pytestmark = pytest.mark.django_db

# Trezor BIP39 vectors (English) and a Chinese phrase made from random entropy by the reference
# encoder (Mnemonic("chinese_simplified").to_mnemonic).
SEED_EN = "legal winner thank year wave sausage worth useful legal winner thank yellow"
SEED_EN_24 = (
    "letter advice cage absurd amount doctor acoustic avoid letter advice cage absurd "
    "amount doctor acoustic avoid letter advice cage absurd amount doctor acoustic bless"
)
SEED_ZH = "减 锥 辛 胞 卖 色 刚 计 郑 锭 冯 颗"
WIF = "KwdMAjGmerYanjeui5SHS7JkmpZvVipYvB2LJGU1ZxJwYvP98617"

TEXT_FIELDS = [
    {
        "name": "details",
        "type": "text",
        "required": False,
        "label_en": "Details",
        "label_zh": "详情",
    }
]


@pytest.fixture
def security_lead() -> User:
    team = TeamFactory.create(slug="account-security", name_en="Account Security")
    lead = AgentFactory.create(teams=[team], email="lead@example.com")
    Membership.objects.filter(user=lead, team=team).update(is_lead=True)
    return lead


@pytest.fixture
def category() -> Category:
    return CategoryFactory.create(
        slug="wallet-help",
        form_fields=TEXT_FIELDS,
        default_team=TeamFactory.create(slug="wallets"),
    )


@pytest.fixture
def customer() -> User:
    return CustomerFactory.create(email="c@example.com", language="en")


@pytest.fixture
def sql_logged(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Log every SQL statement with its parameters, so what reaches the database is logged too."""
    caplog.set_level(logging.DEBUG)
    connection.force_debug_cursor = True
    yield caplog
    connection.force_debug_cursor = False


def api_client(user: User) -> Client:
    _token, secret = api_token_create(user=user, name="tests")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def post_json(client: Client, url: str, body: Any) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


def assert_warned_and_alerted(ticket: Ticket, lead: User, kinds: set[str]) -> None:
    warning = Message.objects.filter(
        ticket=ticket, kind=MessageKind.SYSTEM, body__startswith="For your safety"
    ).last()
    assert warning is not None and warning.is_public
    assert "will never ask" in warning.body
    assert SECRET_TAG in set(ticket.tags.values_list("name", flat=True))
    audits = AuditEvent.objects.filter(
        action="secret.masked", target_id=ticket.reference
    )
    assert {kind for audit in audits for kind in audit.data["kinds"]} == kinds
    assert all(audit.data["from_customer"] for audit in audits)
    alerts = Delivery.objects.filter(
        recipient=lead, template_key="staff_secret_exposed"
    )
    assert {alert.context["reference"] for alert in alerts} == {ticket.reference}
    assert InAppNotification.objects.filter(user=lead).exists()


def test_portal_create_and_reply_mask_seed_phrases_everywhere(
    client: Client,
    customer: User,
    category: Category,
    security_lead: User,
    sql_logged: pytest.LogCaptureFixture,
) -> None:
    client.force_login(customer)

    response = client.post(
        reverse("portal:ticket-new"),
        {
            "category": "wallet-help",
            "subject": f"Wallet restore, key {WIF}",
            "description": f"Support asked for my words: {SEED_EN}. Please hurry",
            "f_details": f"private key {WIF}",
        },
    )
    ticket = Ticket.objects.get()
    reply = client.post(
        reverse("portal:ticket-reply", args=[ticket.reference]),
        {"body": f"我的助记词：\n{SEED_ZH}\n谢谢"},
    )
    deliveries_drain()

    assert response.status_code == 302 and reply.status_code == 302
    ticket.refresh_from_db()
    assert ticket.description == (
        f"Support asked for my words: {placeholder('seed_phrase')}. Please hurry"
    )
    assert ticket.fields["details"] == f"private key {placeholder('wif')}"
    assert ticket.subject == f"Wallet restore, key {placeholder('wif')}"
    assert ticket.messages.filter(body__contains=placeholder("seed_phrase")).exists()
    assert_warned_and_alerted(ticket, security_lead, {"seed_phrase", "wif"})
    page = client.get(reverse("portal:ticket-detail", args=[ticket.reference]))
    assert "will never ask" in page.content.decode()
    for secret in (SEED_EN, SEED_ZH, SEED_ZH.replace(" ", ""), WIF):
        assert_secret_absent_everywhere(secret, caplog=sql_logged)


def test_api_create_and_reply_mask_secrets_everywhere(
    customer: User,
    category: Category,
    security_lead: User,
    sql_logged: pytest.LogCaptureFixture,
) -> None:
    api = api_client(customer)

    created = post_json(
        api,
        "/api/v1/tickets",
        {
            "category": "wallet-help",
            "subject": "help",
            "description": f"1. {SEED_EN_24.replace(' ', ' 2. ', 1)}",
            "fields": {"details": "password: Tr0ub4dor&3"},
        },
    )
    reference = created.json()["reference"]
    replied = post_json(
        api,
        f"/api/v1/tickets/{reference}/replies",
        {"body": f"and my 2FA code 918273, seed {SEED_EN}"},
    )
    detail = api.get(f"/api/v1/tickets/{reference}").json()
    deliveries_drain()

    assert created.status_code == 201 and replied.status_code == 201
    assert placeholder("seed_phrase") in created.json()["description"]
    assert replied.json()["body"] == (
        f"and my 2FA code {placeholder('otp_code')}, seed {placeholder('seed_phrase')}"
    )
    assert any("will never ask" in m["body"] for m in detail["messages"])
    ticket = Ticket.objects.get(reference=reference)
    assert_warned_and_alerted(
        ticket, security_lead, {"seed_phrase", "password", "otp_code"}
    )
    for secret in (SEED_EN_24, SEED_EN, "Tr0ub4dor&3", "918273"):
        assert_secret_absent_everywhere(secret, caplog=sql_logged)


def test_a_follow_up_started_by_a_reply_with_a_secret_warns_on_the_follow_up(
    customer: User, category: Category, security_lead: User
) -> None:
    ticket = make_ticket(customer=customer, category=category)
    ticket = ticket_update(
        ticket=ticket, actor=security_lead, changes={"status": "closed"}
    )

    reply = reply_add(ticket=ticket, author=customer, body=f"seed {SEED_EN}")
    deliveries_drain()

    assert reply.ticket != ticket
    assert placeholder("seed_phrase") in reply.body
    assert_warned_and_alerted(reply.ticket, security_lead, {"seed_phrase"})


def test_staff_text_is_masked_and_audited_without_warning_the_customer(
    customer: User, category: Category, security_lead: User
) -> None:
    ticket = make_ticket(customer=customer, category=category)
    agent = AgentFactory.create(teams=[ticket.team])

    note = reply_add(
        ticket=ticket, author=agent, body=f"customer pasted {SEED_EN}", kind="note"
    )

    assert note.body == f"customer pasted {placeholder('seed_phrase')}"
    assert AuditEvent.objects.filter(action="secret.masked", actor=agent).exists()
    assert not ticket.messages.filter(kind=MessageKind.SYSTEM).exists()
    assert not Delivery.objects.filter(template_key="staff_secret_exposed").exists()


def test_a_message_without_secrets_changes_nothing(
    customer: User, category: Category, security_lead: User
) -> None:
    ticket = make_ticket(
        customer=customer,
        category=category,
        description="TxID f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16",
    )

    assert "f4184fc5" in ticket.description
    assert not AuditEvent.objects.filter(action="secret.masked").exists()
    assert not ticket.messages.exists()


def test_without_an_account_security_team_the_secret_is_still_masked_and_logged(
    customer: User, category: Category, caplog: pytest.LogCaptureFixture
) -> None:
    ticket = make_ticket(customer=customer, category=category, description=SEED_EN)

    assert ticket.description == placeholder("seed_phrase")
    assert "nobody in Account Security" in caplog.text
    assert ticket.messages.filter(kind=MessageKind.SYSTEM).count() == 1


def test_the_warning_is_in_the_customers_language() -> None:
    chinese = customer_warning("zh-hans", ["seed_phrase", "password"])
    english = customer_warning("en", ["otp_code"])

    assert "助记词、密码" in chinese and "绝不会" in chinese
    assert "新钱包" in chinese
    assert "2FA code" in english and "never read it out" in english
    assert english.splitlines()[0].endswith("there): 2FA code.")
    assert chinese.splitlines()[0].endswith("：助记词、密码。")


def test_the_check_helper_finds_a_secret_stored_unmasked(
    customer: User, category: Category
) -> None:
    ticket = make_ticket(customer=customer, category=category)
    Ticket.objects.filter(pk=ticket.pk).update(
        description=f"1) {SEED_EN}", search_text=SEED_EN
    )

    with pytest.raises(AssertionError, match="database"):
        assert_secret_absent_everywhere(SEED_EN)


def test_the_check_helper_finds_a_secret_in_the_logs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    logging.getLogger("beacon.test").info("unmasked %s", "x")
    # As a handler that bypassed the filter would have kept it.
    caplog.records[-1].msg, caplog.records[-1].args = f"raw {SEED_EN}", None

    with pytest.raises(AssertionError, match="logs"):
        assert_secret_absent_everywhere(SEED_EN, caplog=caplog)


def test_fields_sent_with_a_reply_and_rating_comments_are_masked(
    customer: User, security_lead: User
) -> None:
    category = CategoryFactory.create(
        slug="needs-details",
        form_fields=[{**TEXT_FIELDS[0], "required": True}],
        default_team=TeamFactory.create(slug="wallets"),
    )
    ticket = make_ticket(customer=customer, category=category, require_fields=False)

    reply_add(
        ticket=ticket,
        author=customer,
        body="here you are",
        fields={"details": "login password: Xy12345!"},
    )
    ticket.refresh_from_db()
    ticket = ticket_update(
        ticket=ticket, actor=security_lead, changes={"status": "solved"}
    )
    ticket_rate(
        ticket=ticket, customer=customer, rating=1, comment=f"you lost my {WIF}"
    )

    ticket.refresh_from_db()
    assert ticket.fields["details"] == f"login password: {placeholder('password')}"
    assert ticket.rating_comment == f"you lost my {placeholder('wif')}"
    assert_secret_absent_everywhere("Xy12345!")
    assert_secret_absent_everywhere(WIF)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "A customer sent their seed phrase, 2FA code in BX-TEST1234."),
        ("zh-hans", "客户在 BX-TEST1234 中发送了其助记词、两步验证码。"),
    ],
)
def test_the_staff_notice_names_the_kinds_in_the_recipients_language(
    language: str, expected: str
) -> None:
    context = {
        "kinds": kind_labels(["otp_code", "seed_phrase"], language),
        "reference": "BX-TEST1234",
        "url": "https://beacon.example/console/t/BX-TEST1234/",
    }

    notice = render_notice("staff_secret_exposed", language, context)

    assert notice.body.startswith(expected)
    assert "BX-TEST1234" in notice.subject
