"""Security emergencies: P1 for Account Security, self-protection steps, the on-call page."""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from beacon.accounts.models import Membership, Team
from beacon.accounts.tests.factories import AgentFactory, TeamFactory
from beacon.audit.models import AuditEvent
from beacon.notifications.models import Delivery, InAppNotification
from beacon.routing.emergency import EMERGENCY_TAG, SELF_PROTECTION_STEPS
from beacon.routing.models import OnCall, OnCallPage, PageStatus
from beacon.routing.services import page_deliver, pages_retry_due
from beacon.routing.tests.factories import RoutingRuleFactory
from beacon.tickets.models import Message, MessageKind, Priority, Ticket
from beacon.tickets.tests.factories import CategoryFactory, make_ticket

pytestmark = pytest.mark.django_db

Capture = Callable[..., AbstractContextManager[Any]]


@pytest.fixture
def security() -> Team:
    return TeamFactory.create(slug="account-security", name_en="Account Security")


def steps_of(ticket: Ticket) -> Message:
    return Message.objects.get(ticket=ticket, kind=MessageKind.SYSTEM)


def assert_emergency(ticket: Ticket, team: Team) -> None:
    ticket.refresh_from_db()
    assert ticket.team == team
    assert ticket.priority == Priority.P1
    assert EMERGENCY_TAG in set(ticket.tags.values_list("name", flat=True))
    assert ticket.routing_decision.is_emergency


def test_security_category_becomes_p1_for_account_security(security: Team) -> None:
    category = CategoryFactory.create(
        is_security=True, default_team=None, default_priority=Priority.P3
    )

    ticket = make_ticket(
        category=category, subject="Help", description="Please check my account"
    )

    assert_emergency(ticket, security)


@pytest.mark.parametrize(
    ("subject", "description", "language"),
    [
        ("My account was hacked", "Someone logged in from another country.", "en"),
        ("Unauthorized withdrawal", "2 BTC left my account and I did not do it.", "en"),
        ("API key", "I think my API key is compromised.", "en"),
        ("账户被盗", "有人登录了我的账户", "zh-hans"),
        ("紧急", "我的账户出现未授权提现，资产被转走了", "zh-hans"),
        ("求助", "我被盗号了怎么办", "zh-hans"),
    ],
)
def test_emergency_words_in_english_and_chinese_override_the_rules(
    security: Team, subject: str, description: str, language: str
) -> None:
    RoutingRuleFactory.create(
        set_team=TeamFactory.create(slug="general"), set_priority=Priority.P4
    )
    category = CategoryFactory.create(default_team=TeamFactory.create(slug="deposits"))

    ticket = make_ticket(
        category=category, subject=subject, description=description, language=language
    )

    assert_emergency(ticket, security)


def test_ordinary_ticket_is_no_emergency(security: Team) -> None:
    ticket = make_ticket(
        subject="Deposit missing", description="My USDT deposit has not arrived."
    )

    ticket.refresh_from_db()
    assert ticket.priority != Priority.P1
    assert not OnCallPage.objects.filter(ticket=ticket).exists()
    assert not Message.objects.filter(ticket=ticket, kind=MessageKind.SYSTEM).exists()


def test_customer_gets_self_protection_steps_in_english(security: Team) -> None:
    ticket = make_ticket(subject="Account hacked", description="Help", language="en")

    message = steps_of(ticket)

    assert message.is_public
    assert message.body == SELF_PROTECTION_STEPS["en"]
    for step in (
        "Freeze your account",
        "Change your passwords",
        "Revoke your API keys",
        "withdrawal whitelist",
    ):
        assert step in message.body


def test_customer_gets_self_protection_steps_in_chinese(security: Team) -> None:
    ticket = make_ticket(subject="账户被盗", description="救命", language="zh-hans")

    message = steps_of(ticket)

    assert message.body == SELF_PROTECTION_STEPS["zh-hans"]
    for step in ("冻结账户", "修改密码", "撤销 API 密钥", "提现白名单"):
        assert step in message.body


SECRETS = re.compile(
    r"password|2fa|two-factor|code|seed|private key|recovery phrase|密码|验证码|助记词|私钥",
    re.I,
)
ASKING = re.compile(
    r"\b(send|give|provide|tell|share|reply with|enter|type|confirm)\b|提供|发送|发给|告诉|回复|输入|索要|透露",
    re.I,
)
NEVER = re.compile(r"\bnever\b|\bdo not\b|\bdon't\b|绝不|不会|不要|切勿", re.I)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_steps_never_ask_for_passwords_2fa_codes_or_seed_phrases(language: str) -> None:
    sentences = re.split(r"(?<=[.!?。！？\n])", SELF_PROTECTION_STEPS[language])
    asking_for_secrets = [
        s
        for s in sentences
        if SECRETS.search(s) and ASKING.search(s) and not NEVER.search(s)
    ]

    assert asking_for_secrets == []
    # ...and the text says so explicitly.
    assert any(SECRETS.search(s) and NEVER.search(s) for s in sentences)


def test_the_test_above_catches_a_request_for_a_code() -> None:
    sentence = "Please reply with the 2FA code we sent you."

    assert (
        SECRETS.search(sentence)
        and ASKING.search(sentence)
        and not NEVER.search(sentence)
    )


def test_on_call_agent_is_paged_after_commit(
    security: Team, django_capture_on_commit_callbacks: Capture
) -> None:
    on_call = AgentFactory.create(teams=[security])
    now = timezone.now()
    OnCall.objects.create(
        team=security,
        user=on_call,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=7),
    )
    OnCall.objects.create(  # an earlier shift, over
        team=security,
        user=AgentFactory.create(teams=[security]),
        starts_at=now - timedelta(hours=9),
        ends_at=now - timedelta(hours=1),
    )

    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(
            subject="Unauthorised withdrawal", description="My ETH is gone"
        )

    page = OnCallPage.objects.get(ticket=ticket)
    assert page.user == on_call
    assert page.status == PageStatus.SENT
    audit = AuditEvent.objects.get(action="oncall.page", target_id=ticket.reference)
    assert audit.data["user"] == on_call.pk
    assert audit.data["priority"] == "high"
    notices = InAppNotification.objects.filter(user=on_call)
    deliveries = Delivery.objects.filter(dedup_key__startswith=f"oncall-page:{page.pk}")
    assert deliveries.filter(template_key="staff_security_emergency").exists()
    assert notices.exists() or deliveries.filter(kind="in_app").exists()


def test_team_lead_is_paged_when_nobody_is_on_call(security: Team) -> None:
    lead = AgentFactory.create(teams=[security])
    Membership.objects.filter(user=lead, team=security).update(is_lead=True)
    AgentFactory.create(teams=[security])

    ticket = make_ticket(subject="Account hacked", description="Help")

    assert OnCallPage.objects.get(ticket=ticket).user == lead


def test_page_is_recorded_in_the_create_transaction_and_delivered_exactly_once(
    security: Team,
) -> None:
    AgentFactory.create(teams=[security])
    lead = AgentFactory.create(teams=[security])
    Membership.objects.filter(user=lead).update(is_lead=True)

    ticket = make_ticket(
        subject="Account hacked", description="Help"
    )  # no commit: the worker never ran
    page = OnCallPage.objects.get(ticket=ticket)
    assert page.status == PageStatus.PENDING

    delivered = pages_retry_due()
    again = page_deliver(page_id=page.pk)

    assert delivered == 1
    assert again is None
    assert (
        AuditEvent.objects.filter(
            action="oncall.page", target_id=ticket.reference
        ).count()
        == 1
    )


def test_unstaffed_team_is_recorded_as_a_failed_page(security: Team) -> None:
    ticket = make_ticket(subject="Account hacked", description="Help")

    pages_retry_due()

    page = OnCallPage.objects.get(ticket=ticket)
    assert page.status == PageStatus.FAILED
    assert AuditEvent.objects.filter(
        action="oncall.unstaffed", target_id=ticket.reference
    ).exists()
