"""Secrets typed into the chat are masked before they are stored, shown or sent anywhere."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import async_to_sync

from beacon.accounts.models import Team, User
from beacon.chat import services
from beacon.chat.identity import Identity, session_token
from beacon.chat.models import ChatMessage, Conversation
from beacon.chat.tests.conftest import FakeSearch, online
from beacon.chat.tests.test_consumers import communicator, is_state, until
from beacon.triage.tests.secret_checks import assert_secret_absent_everywhere

SEED_EN = "legal winner thank year wave sausage worth useful legal winner thank yellow"
SEED_ZH = "减 锥 辛 胞 卖 色 刚 计 郑 锭 冯 颗"


@pytest.mark.django_db(transaction=True)
def test_a_seed_phrase_sent_over_the_socket_is_masked_everywhere(
    conversation: Conversation,
    customer: User,
    agent: User,
    deposits: Team,
    kb: FakeSearch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    Conversation.objects.filter(pk=conversation.pk).update(team=deposits)
    conversation.refresh_from_db()
    services.chat_accept(conversation=conversation, agent=agent)

    async def scenario() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        customer_comm = communicator(
            conversation, session=session_token(Identity(user=customer))
        )
        agent_comm = communicator(conversation, user=agent)
        await customer_comm.connect()
        await agent_comm.connect()
        await until(customer_comm, is_state)
        await until(agent_comm, is_state)
        await customer_comm.send_json_to(
            {"type": "send", "id": "s1", "body": f"support asked me for {SEED_EN}"}
        )
        to_customer = await until(
            customer_comm, lambda f: f.get("meta", {}).get("kind") == "secret_warning"
        )
        to_agent = await until(
            agent_comm, lambda f: f.get("meta", {}).get("kind") == "secret_warning"
        )
        await customer_comm.disconnect()
        await agent_comm.disconnect()
        return to_customer, to_agent

    to_customer, to_agent = async_to_sync(scenario)()
    services.transcript_send(
        conversation=conversation, identity=Identity(user=customer)
    )
    services.chat_convert(conversation=conversation, actor=agent)

    for frames in (to_customer, to_agent):
        assert not any("sausage" in str(frame) for frame in frames)
    warning = to_customer[-1]["body"]
    assert "never" in warning.lower()
    assert_secret_absent_everywhere(SEED_EN, caplog=caplog)


@pytest.mark.django_db
def test_a_chinese_seed_phrase_is_masked_and_warned_in_chinese(
    customer: User, seeded: None, kb: FakeSearch
) -> None:
    conversation = services.conversation_start(
        identity=Identity(user=customer), language="zh-hans"
    )

    services.customer_send(
        conversation=conversation,
        identity=Identity(user=customer),
        body=f"我的助记词：{SEED_ZH}",
    )

    stored = ChatMessage.objects.filter(conversation=conversation).order_by("seq")
    assert "REDACTED" in stored[1].body
    assert stored[2].meta["kind"] == "secret_warning"
    assert "绝不会" in stored[2].body
    assert_secret_absent_everywhere(SEED_ZH)


@pytest.mark.django_db
def test_an_agent_pasting_a_secret_is_masked_too(
    conversation: Conversation, agent: User, deposits: Team
) -> None:
    online(agent)
    conversation.team = deposits
    conversation.save()
    services.chat_accept(conversation=conversation, agent=agent)

    sent = services.agent_send(
        conversation=conversation, agent=agent, body=f"is it {SEED_EN}?"
    )

    assert "sausage" not in sent.message.body
