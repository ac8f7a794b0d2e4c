"""The assistant: answers only from the help centre, clarifies, runs flows, hands off."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import override_settings

from beacon.accounts.models import Team, User
from beacon.chat import backoffice, bot, intents, services
from beacon.chat.backoffice import BackOfficeError, DemoBackOffice, DepositState
from beacon.chat.identity import Identity, new_guest
from beacon.chat.models import (
    ChatMessage,
    Conversation,
    ConversationStatus,
    HandoffReason,
    Sender,
)
from beacon.chat.tests.conftest import FakeHit, FakeSearch, online

pytestmark = pytest.mark.django_db

TXID = "7c2d4206c03a883dd9066d920f33f2a2fd1f3d1d2e3e8e0b3d1b5b2a4c9e1f00"
ARTICLE = FakeHit(
    article_id=7,
    title="Why hasn't my deposit arrived?",
    url="/help/en/deposits/why-deposit-not-arrived/",
    snippet="Deposits are credited after the network confirms them; TRC20 needs 20 confirmations.",
    confidence=0.82,
)


def say(
    conversation: Conversation,
    customer: User | None,
    text: str,
    guest: Identity | None = None,
) -> list[ChatMessage]:
    identity = guest or Identity(user=customer)
    sent = services.customer_send(
        conversation=conversation, identity=identity, body=text
    )
    return bot.bot_handle(conversation_id=conversation.pk, message_id=sent.message.pk)


def refreshed(conversation: Conversation) -> Conversation:
    conversation.refresh_from_db()
    return conversation


def test_answers_with_the_article_snippet_and_link(
    conversation: Conversation, customer: User, kb: FakeSearch
) -> None:
    kb.hits = [ARTICLE]

    replies = say(conversation, customer, "how long do confirmations take for TRC20")

    assert len(replies) == 1
    reply = replies[0]
    assert reply.sender == Sender.BOT
    assert ARTICLE.snippet in reply.body
    assert reply.meta["links"] == [{"title": ARTICLE.title, "url": ARTICLE.url}]
    assert refreshed(conversation).status == ConversationStatus.BOT


def test_searches_in_the_language_the_customer_writes(
    conversation: Conversation, customer: User, kb: FakeSearch
) -> None:
    kb.hits = [
        FakeHit(
            1,
            "充值多久到账",
            "/help/zh-hans/a/",
            "TRC20 需要 20 个区块确认。",
            0.9,
            language="zh-hans",
        )
    ]

    replies = say(conversation, customer, "TRC20 确认需要多久")

    assert kb.queries[-1][1] == "zh-hans"
    assert "TRC20 需要 20 个区块确认。" in replies[0].body
    assert refreshed(conversation).language == "zh-hans"


def test_close_answers_get_a_clarifying_question(
    conversation: Conversation, customer: User, kb: FakeSearch
) -> None:
    other = FakeHit(
        8, "Deposit address and memo", "/help/en/memo/", "Some coins need a memo.", 0.78
    )
    kb.hits = [ARTICLE, other]

    replies = say(conversation, customer, "confirmations")
    chosen = say(conversation, customer, other.title)

    assert replies[0].meta["kind"] == "clarify"
    assert replies[0].meta["choices"] == [ARTICLE.title, other.title]
    assert other.snippet in chosen[0].body


def test_low_confidence_hands_off_without_inventing(
    conversation: Conversation, customer: User, kb: FakeSearch, agent: User
) -> None:
    online(agent)
    kb.hits = [FakeHit(3, "Fees", "/help/en/fees/", "Trading fees are 0.1%.", 0.2)]

    replies = say(conversation, customer, "why did my order not fill")

    assert "0.1%" not in " ".join(r.body for r in replies)
    conversation = refreshed(conversation)
    assert conversation.handoff_reason == HandoffReason.LOW_CONFIDENCE
    assert conversation.status in (ConversationStatus.ACTIVE, ConversationStatus.TICKET)


def test_out_of_scope_hands_off(
    conversation: Conversation, customer: User, kb: FakeSearch
) -> None:
    kb.hits = [FakeHit(3, "Fees", "/help/en/fees/", "Trading fees are 0.1%.", 0.6)]

    say(conversation, customer, "tell me a joke about the weather")

    assert refreshed(conversation).handoff_reason == HandoffReason.OUT_OF_SCOPE


@pytest.mark.parametrize(
    "text",
    ["I want to talk to a human", "agent please", "转人工", "我要人工客服", "客服"],
)
def test_asking_for_a_person_hands_off(
    conversation: Conversation, customer: User, kb: FakeSearch, text: str
) -> None:
    say(conversation, customer, text)

    assert refreshed(conversation).handoff_reason == HandoffReason.ASKED
    assert kb.queries == []


def test_anger_hands_off(
    conversation: Conversation, customer: User, kb: FakeSearch
) -> None:
    say(conversation, customer, "this is a scam, you are useless")

    assert refreshed(conversation).handoff_reason == HandoffReason.ANGRY


def test_frustration_twice_in_a_row_hands_off(
    conversation: Conversation, customer: User, kb: FakeSearch
) -> None:
    kb.hits = [ARTICLE]
    say(conversation, customer, "still waiting for my deposit!!")
    assert refreshed(conversation).status == ConversationStatus.BOT

    say(conversation, customer, "still not there, so disappointed")

    assert refreshed(conversation).handoff_reason == HandoffReason.ANGRY


def test_security_emergency_goes_to_account_security_at_once(
    conversation: Conversation, customer: User, kb: FakeSearch
) -> None:
    say(conversation, customer, "my account was hacked and someone withdrew my BTC")

    conversation = refreshed(conversation)
    assert conversation.handoff_reason == HandoffReason.EMERGENCY
    assert conversation.team == Team.objects.get(slug="account-security")
    steps = ChatMessage.objects.get(
        conversation=conversation, meta__kind="emergency_steps"
    )
    assert "Freeze your account" in steps.body
    assert kb.queries == []


def test_handoff_summary_reaches_the_agent(
    conversation: Conversation, customer: User, kb: FakeSearch, agent: User
) -> None:
    online(agent)
    say(conversation, customer, "my deposit has not arrived")
    say(conversation, customer, "USDT")
    say(conversation, customer, "TRC20")

    say(conversation, customer, "human please")

    conversation = refreshed(conversation)
    assert conversation.agent == agent
    summary = conversation.collected["summary"]
    assert "coin: USDT" in summary and "network: TRC20" in summary


@pytest.fixture
def demo_backoffice() -> Iterator[None]:
    backoffice.backoffice.cache_clear()
    yield
    backoffice.backoffice.cache_clear()


def test_deposit_flow_validates_and_asks_the_back_office(
    conversation: Conversation, customer: User, kb: FakeSearch, demo_backoffice: None
) -> None:
    first = say(conversation, customer, "My deposit has not arrived")
    assert first[0].meta["key"] == "coin"
    assert say(conversation, customer, "12")[0].meta["kind"] == "flow_invalid"
    assert say(conversation, customer, "usdt")[0].meta["key"] == "network"
    assert say(conversation, customer, "tron")[0].meta["key"] == "txid"
    refused = say(conversation, customer, "0x123")
    assert refused[0].meta["kind"] == "flow_invalid" and "TRC20" in refused[0].body

    answer = say(conversation, customer, TXID)

    expected = DemoBackOffice().deposit_state(
        customer_uid=customer.exchange_uid or "",
        coin="USDT",
        network="TRC20",
        txid=TXID,
    )
    assert answer[0].meta == {"kind": "deposit_state", "status": expected.status}
    conversation = refreshed(conversation)
    assert conversation.collected["answers"] == {
        "coin": "USDT",
        "network": "TRC20",
        "txid": TXID,
    }
    assert conversation.flow_state == {}


class ReviewBackOffice:
    def deposit_state(
        self, *, customer_uid: str, coin: str, network: str, txid: str
    ) -> DepositState:
        return DepositState(
            status="under_review", coin=coin, network=network, txid=txid
        )


class DownBackOffice:
    def deposit_state(
        self, *, customer_uid: str, coin: str, network: str, txid: str
    ) -> DepositState:
        raise BackOfficeError("timeout")


@pytest.mark.parametrize("adapter", ["ReviewBackOffice", "DownBackOffice"])
def test_deposit_flow_hands_off_with_everything_collected(
    conversation: Conversation,
    customer: User,
    kb: FakeSearch,
    agent: User,
    demo_backoffice: None,
    adapter: str,
) -> None:
    online(agent)
    with override_settings(
        CHAT_BACKOFFICE_ADAPTER=f"beacon.chat.tests.test_bot.{adapter}"
    ):
        for text in ("充值未到账", "USDT", "TRC20", TXID):
            say(conversation, customer, text)

    conversation = refreshed(conversation)
    assert conversation.handoff_reason == HandoffReason.FLOW
    assert conversation.team == Team.objects.get(slug="deposits-withdrawals")
    assert f"txid: {TXID}" in conversation.collected["summary"]


def test_guest_gets_no_account_specific_deposit_state(
    kb: FakeSearch, seeded: None, demo_backoffice: None
) -> None:
    guest = new_guest()
    conversation = services.conversation_start(identity=guest)
    for text in ("my deposit has not arrived", "USDT", "TRC20"):
        say(conversation, None, text, guest=guest)

    answer = say(conversation, None, TXID, guest=guest)

    assert answer[0].meta["kind"] == "sign_in_required"


def test_cancel_leaves_the_flow(
    conversation: Conversation, customer: User, kb: FakeSearch
) -> None:
    say(conversation, customer, "deposit not credited")

    say(conversation, customer, "cancel")

    assert refreshed(conversation).flow_state == {}


def test_bot_stays_quiet_once_an_agent_has_the_chat(
    conversation: Conversation,
    customer: User,
    agent: User,
    kb: FakeSearch,
    deposits: Team,
) -> None:
    conversation.team = deposits
    conversation.save()
    services.chat_accept(conversation=conversation, agent=agent)

    assert say(conversation, customer, "hello?") == []


def test_intent_model_knows_in_scope_and_out_of_scope() -> None:
    deposit = intents.classify("my btc deposit is not showing in my balance")
    weather = intents.classify("what will the weather be like in paris")

    assert deposit.label == "deposit_missing" and not deposit.out_of_scope
    assert weather.out_of_scope
