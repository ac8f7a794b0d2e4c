"""Routing rules applied when a ticket is created: order, stop, keywords, customer attributes."""

from __future__ import annotations

import pytest

from beacon.accounts.models import KycLevel, VipTier
from beacon.accounts.tests.factories import CustomerFactory, TeamFactory
from beacon.audit.models import AuditEvent
from beacon.routing.models import RoutingDecision
from beacon.routing.tests.factories import RoutingRuleFactory
from beacon.sla.models import SlaPolicy
from beacon.tickets.models import Channel, Priority, TicketEvent
from beacon.tickets.tests.factories import CategoryFactory, make_ticket

pytestmark = pytest.mark.django_db


def test_without_matching_rules_the_category_default_team_applies() -> None:
    default_team = TeamFactory.create(slug="general")
    category = CategoryFactory.create(
        default_team=default_team, default_priority=Priority.P3
    )
    RoutingRuleFactory.create(keywords="futures", set_team=TeamFactory.create())

    ticket = make_ticket(
        category=category, subject="Deposit missing", description="Where is my USDT?"
    )

    assert ticket.team == default_team
    assert ticket.priority == Priority.P3
    assert not RoutingDecision.objects.filter(ticket=ticket).exists()


def test_matching_rule_sets_team_priority_tags_and_records_why() -> None:
    vip_team = TeamFactory.create(slug="vip-desk")
    RoutingRuleFactory.create(
        name="VIP withdrawals",
        keywords="withdrawal",
        set_team=vip_team,
        set_priority=Priority.P2,
        add_tags=["vip", "withdrawal"],
    )

    ticket = make_ticket(
        subject="Withdrawal stuck", description="It has been pending for hours."
    )

    ticket.refresh_from_db()
    assert ticket.team == vip_team
    assert ticket.priority == Priority.P2
    assert set(ticket.tags.values_list("name", flat=True)) == {"vip", "withdrawal"}
    events = TicketEvent.objects.filter(ticket=ticket, actor=None)
    assert events.filter(
        field="routing", new_value="routing rule VIP withdrawals"
    ).exists()
    assert events.filter(field="team", new_value=str(vip_team)).exists()
    assert events.filter(field="priority", old_value="P3", new_value="P2").exists()
    audit = AuditEvent.objects.get(action="routing.apply", target_id=ticket.reference)
    assert audit.actor is None
    assert audit.data["changes"]["priority"] == Priority.P2


def test_rules_run_in_position_order_and_the_later_match_wins() -> None:
    first, second = TeamFactory.create(slug="first"), TeamFactory.create(slug="second")
    RoutingRuleFactory.create(
        name="later", position=20, keywords="card", set_team=second
    )
    RoutingRuleFactory.create(
        name="earlier", position=10, keywords="card", set_team=first, add_tags=["a"]
    )

    ticket = make_ticket(
        subject="Card payment failed", description="My card was declined."
    )

    assert ticket.team == second
    assert ticket.routing_decision.rule_names == ["earlier", "later"]
    assert list(ticket.tags.values_list("name", flat=True)) == ["a"]


def test_stop_processing_ends_evaluation_at_the_first_match() -> None:
    first, second = TeamFactory.create(slug="first"), TeamFactory.create(slug="second")
    RoutingRuleFactory.create(
        name="stopper",
        position=10,
        keywords="card",
        set_team=first,
        stop_processing=True,
    )
    RoutingRuleFactory.create(
        name="never", position=20, keywords="card", set_team=second
    )

    ticket = make_ticket(subject="Card payment failed", description="Declined.")

    assert ticket.team == first
    assert ticket.routing_decision.rule_names == ["stopper"]


def test_inactive_rules_are_skipped() -> None:
    RoutingRuleFactory.create(
        keywords="card", set_team=TeamFactory.create(), is_active=False
    )
    category = CategoryFactory.create(default_team=None)

    ticket = make_ticket(
        category=category, subject="Card payment failed", description="Declined."
    )

    assert ticket.team is None


@pytest.mark.parametrize(
    ("subject", "description", "hit"),
    [
        ("P2P ORDER dispute", "The seller did not release", True),
        ("Question", "my p2p order is stuck", True),
        (
            "Order",
            "a P2P-free question",
            False,
        ),  # "p2p order" as a phrase, not the words apart
        ("C2C交易纠纷", "卖家一直不放币", True),
        ("充值未到账", "我的USDT还没到", False),
    ],
)
def test_keywords_match_words_case_insensitively_in_english_and_chinese(
    subject: str, description: str, hit: bool
) -> None:
    p2p = TeamFactory.create(slug="p2p")
    RoutingRuleFactory.create(keywords="p2p order\n放币, 交易纠纷", set_team=p2p)
    category = CategoryFactory.create(default_team=None)

    ticket = make_ticket(category=category, subject=subject, description=description)

    assert (ticket.team == p2p) is hit


def test_chinese_keyword_matches_inside_a_sentence() -> None:
    team = TeamFactory.create(slug="otc")
    RoutingRuleFactory.create(keywords="大宗交易", set_team=team)

    ticket = make_ticket(
        subject="咨询",
        description="你好，我想做一笔大宗交易，请联系我",
        language="zh-hans",
    )

    assert ticket.team == team


@pytest.mark.parametrize(
    ("tier", "hit"),
    [(VipTier.VIP2, False), (VipTier.VIP3, True), (VipTier.INSTITUTIONAL, True)],
)
def test_vip_tier_minimum(tier: int, hit: bool) -> None:
    vip = TeamFactory.create(slug="vip")
    RoutingRuleFactory.create(vip_tier_min=VipTier.VIP3, set_team=vip)
    customer = CustomerFactory.create(vip_tier=tier)

    ticket = make_ticket(customer=customer)

    assert (ticket.team == vip) is hit


@pytest.mark.parametrize(
    ("level", "hit"),
    [
        (KycLevel.NONE, False),
        (KycLevel.BASIC, True),
        (KycLevel.ADVANCED, True),
        (KycLevel.INSTITUTIONAL, False),
    ],
)
def test_kyc_level_between_minimum_and_maximum(level: int, hit: bool) -> None:
    kyc = TeamFactory.create(slug="kyc")
    RoutingRuleFactory.create(
        kyc_level_min=KycLevel.BASIC, kyc_level_max=KycLevel.ADVANCED, set_team=kyc
    )

    ticket = make_ticket(customer=CustomerFactory.create(kyc_level=level))

    assert (ticket.team == kyc) is hit


def test_category_channel_and_language_conditions_must_all_hold() -> None:
    team = TeamFactory.create(slug="cn-email-deposits")
    deposits = CategoryFactory.create(slug="deposit")
    RoutingRuleFactory.create(
        categories=[deposits], channel=Channel.EMAIL, language="zh-hans", set_team=team
    )

    hit = make_ticket(category=deposits, channel=Channel.EMAIL, language="zh-hans")
    wrong_channel = make_ticket(
        category=deposits, channel=Channel.WEB, language="zh-hans"
    )
    wrong_language = make_ticket(
        category=deposits, channel=Channel.EMAIL, language="en"
    )
    wrong_category = make_ticket(channel=Channel.EMAIL, language="zh-hans")

    assert hit.team == team
    assert team not in (wrong_channel.team, wrong_language.team, wrong_category.team)


def test_rule_with_an_intent_waits_for_triage_to_set_one() -> None:
    RoutingRuleFactory.create(
        intent="deposit_missing", set_team=TeamFactory.create(slug="x")
    )
    category = CategoryFactory.create(default_team=None)

    ticket = make_ticket(category=category)

    assert ticket.team is None


def test_rule_sla_policy_is_remembered_for_the_sla_engine() -> None:
    policy = SlaPolicy.objects.create(name="VIP fast lane", first_response_minutes=15)
    RoutingRuleFactory.create(vip_tier_min=VipTier.VIP1, sla_policy=policy)

    ticket = make_ticket(customer=CustomerFactory.create(vip_tier=VipTier.VIP1))

    assert RoutingDecision.objects.get(ticket=ticket).sla_policy == policy
