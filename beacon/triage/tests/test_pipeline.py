"""The triage pipeline end to end: every message read once after commit, results stored, and
their effect on routing (category, team, priority, rules, emergencies), plus the repair sweep."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from beacon.accounts.models import VipTier
from beacon.accounts.tests.factories import CustomerFactory
from beacon.audit.models import AuditEvent
from beacon.routing.emergency import EMERGENCY_TAG
from beacon.routing.models import OnCallPage
from beacon.routing.tests.factories import RoutingRuleFactory
from beacon.tickets.models import (
    Category,
    Channel,
    EventKind,
    Message,
    MessageKind,
    Priority,
    Ticket,
    TicketEvent,
)
from beacon.tickets.services import reply_add, ticket_create
from beacon.triage import services
from beacon.triage.models import ResultStatus, TriageResult

pytestmark = pytest.mark.django_db

Capture = Callable[..., AbstractContextManager[Any]]


def other() -> Category:
    return Category.objects.get(slug="other")


def create(capture: Capture, **kwargs: Any) -> Ticket:
    """A ticket made through the real service, with its after-commit jobs run."""
    kwargs.setdefault("customer", CustomerFactory.create())
    kwargs.setdefault("category", other())
    kwargs.setdefault("require_fields", False)
    with capture(execute=True):
        ticket = ticket_create(**kwargs)
    ticket.refresh_from_db()
    return ticket


def opening(ticket: Ticket) -> TriageResult:
    return TriageResult.objects.get(ticket=ticket, message__isnull=True)


@pytest.mark.parametrize("channel", Channel.values)
def test_every_channel_is_read_once_after_commit(
    triage_on: dict[str, Any],
    django_capture_on_commit_callbacks: Capture,
    channel: str,
) -> None:
    ticket = create(
        django_capture_on_commit_callbacks,
        subject="USDT 提币 pending",
        description="TRC20 提币三个小时了还没到账",
        channel=channel,
    )

    result = opening(ticket)
    assert result.status == ResultStatus.DONE
    assert result.language == "zh-hans"
    assert result.intent == "withdrawal-delayed"
    assert 0 < (result.intent_confidence or 0) <= 1
    assert result.sentiment in ("negative", "neutral", "positive")
    assert result.intent_model == triage_on["intent"]
    assert result.model_version == "intent-v1, sentiment-v1"
    assert TriageResult.objects.filter(ticket=ticket).count() == 1


def test_triage_does_not_run_inside_the_request(
    triage_on: dict[str, Any],
) -> None:
    # Without the commit (the test's transaction never commits), nothing was read yet.
    ticket = ticket_create(
        customer=CustomerFactory.create(),
        category=other(),
        subject="USDT 提币 pending",
        description="提币没到账",
        require_fields=False,
    )

    assert not TriageResult.objects.filter(ticket=ticket).exists()


def test_generic_category_gets_the_predicted_one_and_its_team(
    triage_on: dict[str, Any], django_capture_on_commit_callbacks: Capture
) -> None:
    ticket = create(
        django_capture_on_commit_callbacks,
        subject="Withdrawal pending",
        description="My USDT withdrawal has been pending for hours, it is not in my wallet",
        channel=Channel.EMAIL,
    )

    assert ticket.category.slug == "withdrawal-delayed"
    assert ticket.team is not None and ticket.team.slug == "deposits-withdrawals"
    assert opening(ticket).applied["category"] == "withdrawal-delayed"
    # The change went through ticket_system_update: history by the system, and an audit row.
    event = TicketEvent.objects.get(ticket=ticket, field="category")
    assert event.actor is None and event.kind == EventKind.CHANGED
    assert AuditEvent.objects.filter(
        action="triage.apply", target_id=ticket.reference
    ).exists()


def test_a_category_the_customer_chose_is_kept(
    triage_on: dict[str, Any], django_capture_on_commit_callbacks: Capture
) -> None:
    kyc = Category.objects.get(slug="kyc")

    ticket = create(
        django_capture_on_commit_callbacks,
        category=kyc,
        subject="Withdrawal pending",
        description="My USDT withdrawal has been pending for hours",
    )

    assert ticket.category == kyc
    assert opening(ticket).intent == "withdrawal-delayed"


def test_out_of_scope_is_flagged_and_not_applied(
    triage_on: dict[str, Any], django_capture_on_commit_callbacks: Capture
) -> None:
    ticket = create(
        django_capture_on_commit_callbacks,
        subject="weather",
        description="what is the weather in paris tomorrow",
    )

    result = opening(ticket)
    assert result.out_of_scope
    assert result.intent == "oos"
    assert ticket.category.slug == "other"


def test_low_confidence_is_not_applied(
    triage_on: dict[str, Any],
    django_capture_on_commit_callbacks: Capture,
    settings: Any,
) -> None:
    settings.TRIAGE_APPLY_CONFIDENCE = 1.01  # nothing is ever that sure

    ticket = create(
        django_capture_on_commit_callbacks,
        subject="Withdrawal pending",
        description="My USDT withdrawal has been pending for hours",
    )

    assert ticket.category.slug == "other"
    assert opening(ticket).intent == "withdrawal-delayed"


def test_phishing_victim_gets_the_emergency_response(
    triage_on: dict[str, Any], django_capture_on_commit_callbacks: Capture
) -> None:
    ticket = create(
        django_capture_on_commit_callbacks,
        subject="Help",
        description="I entered my password on a phishing site, what do I do",
        channel=Channel.CHAT,
    )

    result = opening(ticket)
    assert result.urgency == 4 and result.urgency_reasons == ["security"]
    assert ticket.team is not None and ticket.team.slug == "account-security"
    assert ticket.priority == Priority.P1
    assert EMERGENCY_TAG in set(ticket.tags.values_list("name", flat=True))
    assert OnCallPage.objects.filter(ticket=ticket).count() == 1
    assert Message.objects.filter(ticket=ticket, kind=MessageKind.SYSTEM).exists()


def test_emergency_found_at_intake_is_not_answered_twice(
    triage_on: dict[str, Any], django_capture_on_commit_callbacks: Capture
) -> None:
    ticket = create(
        django_capture_on_commit_callbacks,
        subject="Account hacked",
        description="My account was hacked and someone withdrew my BTC",
    )

    assert OnCallPage.objects.filter(ticket=ticket).count() == 1
    assert ticket.priority == Priority.P1


def test_vip_and_large_amount_raise_the_priority(
    triage_on: dict[str, Any], django_capture_on_commit_callbacks: Capture
) -> None:
    kyc = Category.objects.get(slug="kyc")
    vip = CustomerFactory.create(vip_tier=VipTier.INSTITUTIONAL)

    ticket = create(
        django_capture_on_commit_callbacks,
        customer=vip,
        category=kyc,
        subject="Verification",
        description="My KYC review blocks a 50,000 USDT withdrawal",
    )

    result = opening(ticket)
    assert set(result.urgency_reasons) >= {"vip", "amount"}
    assert ticket.priority == result.suggested_priority == Priority.P1


def test_triage_never_lowers_a_priority(
    triage_on: dict[str, Any], django_capture_on_commit_callbacks: Capture
) -> None:
    ticket = create(
        django_capture_on_commit_callbacks,
        category=Category.objects.get(slug="feature-suggestion"),
        subject="Idea",
        description="please add dark mode to the app",
        priority=Priority.P2,
    )

    assert opening(ticket).suggested_priority == Priority.P4
    assert ticket.priority == Priority.P2


def test_rules_match_on_triage_fields(
    triage_on: dict[str, Any], django_capture_on_commit_callbacks: Capture
) -> None:
    RoutingRuleFactory.create(
        name="angry", sentiment="negative", add_tags=["angry-customer"]
    )
    RoutingRuleFactory.create(
        name="withdrawals", intent="withdrawal-delayed", add_tags=["wd"]
    )
    RoutingRuleFactory.create(name="urgent", urgency_min=4, add_tags=["never"])

    ticket = create(
        django_capture_on_commit_callbacks,
        category=Category.objects.get(slug="withdrawal-delayed"),
        subject="提币",
        description="提币一直不到账，太差了，垃圾平台！！",
    )

    tags = set(ticket.tags.values_list("name", flat=True))
    assert {"angry-customer", "wd"} <= tags
    assert "never" not in tags
    assert set(opening(ticket).applied["rules"]) == {"angry", "withdrawals"}


def test_the_language_written_in_becomes_the_tickets(
    triage_on: dict[str, Any], django_capture_on_commit_callbacks: Capture
) -> None:
    customer = CustomerFactory.create(language="en")

    ticket = create(
        django_capture_on_commit_callbacks,
        customer=customer,
        subject="充值没到账",
        description="我的USDT充值三个小时了还没有到账",
    )

    assert ticket.language == "zh-hans"


def test_customer_replies_are_read_staff_replies_are_not(
    triage_on: dict[str, Any], django_capture_on_commit_callbacks: Capture
) -> None:
    from beacon.accounts.tests.factories import AgentFactory

    ticket = create(
        django_capture_on_commit_callbacks,
        category=Category.objects.get(slug="deposit-not-credited"),
        subject="deposit",
        description="my deposit has not arrived",
    )
    agent = AgentFactory.create(teams=[ticket.team])

    with django_capture_on_commit_callbacks(execute=True):
        staff = reply_add(ticket=ticket, author=agent, body="We are checking.")
        customer = reply_add(
            ticket=ticket,
            author=ticket.customer,
            body="this is ridiculous, three days and still nothing!!",
        )

    assert not TriageResult.objects.filter(message=staff).exists()
    result = TriageResult.objects.get(message=customer)
    assert result.sentiment == "negative"
    assert "anger" in result.urgency_reasons
    ticket.refresh_from_db()
    assert ticket.priority <= Priority.P2


def test_a_lost_job_is_repaired_by_the_sweep(triage_on: dict[str, Any]) -> None:
    ticket = ticket_create(
        customer=CustomerFactory.create(),
        category=other(),
        subject="Withdrawal pending",
        description="My USDT withdrawal has been pending for hours",
        require_fields=False,
    )
    assert not TriageResult.objects.filter(ticket=ticket).exists()

    read = services.triage_missing(now=timezone.now() + timedelta(minutes=1))

    assert read == 1
    assert opening(ticket).status == ResultStatus.DONE
    assert services.triage_missing(now=timezone.now() + timedelta(minutes=1)) == 0


def test_triage_runs_once_per_message(
    triage_on: dict[str, Any], django_capture_on_commit_callbacks: Capture
) -> None:
    ticket = create(
        django_capture_on_commit_callbacks,
        subject="Withdrawal pending",
        description="My USDT withdrawal has been pending for hours",
    )
    events = TicketEvent.objects.filter(ticket=ticket).count()

    again = services.triage_ticket(ticket_id=ticket.pk)

    assert again == opening(ticket)
    assert TicketEvent.objects.filter(ticket=ticket).count() == events


def test_a_failing_model_is_retried_then_marked_failed(
    triage_on: dict[str, Any], settings: Any, tmp_path: Any
) -> None:
    ticket = ticket_create(
        customer=CustomerFactory.create(),
        category=other(),
        subject="x",
        description="my withdrawal is pending",
        require_fields=False,
    )
    settings.TRIAGE_MODELS_DIR = tmp_path / "empty"  # the model files are gone

    for _attempt in range(3):
        assert services.triage_ticket(ticket_id=ticket.pk) is None

    result = opening(ticket)
    assert result.status == ResultStatus.FAILED
    assert result.attempts == 3
    assert "FileNotFoundError" in result.last_error


def test_disabled_triage_reads_nothing(
    triage_on: dict[str, Any],
    django_capture_on_commit_callbacks: Capture,
    settings: Any,
) -> None:
    settings.TRIAGE_ENABLED = False

    ticket = create(
        django_capture_on_commit_callbacks,
        subject="Withdrawal pending",
        description="pending",
    )

    assert not TriageResult.objects.filter(ticket=ticket).exists()
