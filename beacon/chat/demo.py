"""Demo chats for `beacon demo_load`, in English and Chinese, in every state a chat goes through.

Each chat is played through the real services and the real assistant (help-centre answers,
hand-offs, agents accepting, closing, rating, turning a chat into a ticket), then its times are
moved into the recent past so the console reads like a working day. Chats waiting for an agent
and chats with one are in the demo sign-ins' teams (Kai: deposits and withdrawals; Mia: tech
support; Sam: account security), so their chat console shows them; an agent who switches to
online there takes the waiting ones of their team.

Idempotent: every demo chat has a fixed public id (`demo-<key>`); one that exists is skipped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from beacon.accounts.models import User
from beacon.chat import bot, services
from beacon.chat.identity import Identity
from beacon.chat.models import ChatMessage, Conversation, ConversationStatus

PREFIX = "demo-"


@dataclass(frozen=True)
class Say:
    """The customer writes; the assistant answers while the chat is still with it."""

    text: str


@dataclass(frozen=True)
class Accept:
    """An agent of the chat's team (by email) takes the waiting chat."""

    agent: str


@dataclass(frozen=True)
class Reply:
    """The chat's agent writes."""

    text: str


@dataclass(frozen=True)
class Close:
    """The customer (or, with `by_agent`, the agent) ends the chat."""

    by_agent: bool = False


@dataclass(frozen=True)
class Rate:
    score: int
    comment: str = ""


@dataclass(frozen=True)
class Convert:
    """The agent turns the chat into a ticket."""


Step = Say | Accept | Reply | Close | Rate | Convert


@dataclass(frozen=True)
class DemoChat:
    key: str
    customer: str
    language: str
    # How long ago the chat started, and the pause between its messages.
    started_minutes_ago: int
    steps: Sequence[Step] = field(default_factory=tuple)
    gap_seconds: int = 50


KAI = "agent.kai@beacon.local"
LENA = "agent.lena@beacon.local"
SAM = "agent.sam@beacon.local"
MIN = "agent.min@beacon.local"
LEO = "agent.leo@beacon.local"

CHATS: list[DemoChat] = [
    # --- answered by the assistant from a help-centre article
    DemoChat(
        "bot-en",
        "hiro.tanaka@example.com",
        "en",
        35,
        (Say("How many confirmations does a BTC deposit need?"), Say("thanks")),
    ),
    DemoChat(
        "bot-zh", "zhou.jie@example.com", "zh-hans", 22, (Say("如何设置二次验证"),)
    ),
    # --- handed off, waiting for an agent
    DemoChat(
        "wait-en",
        "bob.martin@example.com",
        "en",
        9,
        (
            Say("My USDT withdrawal has been pending for 3 hours"),
            Say("No, talk to a person"),
        ),
    ),
    DemoChat(
        "wait-zh",
        "zhang.wei@example.com",
        "zh-hans",
        6,
        (Say("提币一直在处理中，已经两个小时了"), Say("没解决")),
    ),
    DemoChat(
        "wait-api-en",
        "noah.kim@example.com",
        "en",
        12,
        (
            Say("My API key gets an invalid signature error on every order"),
            Say("agent"),
        ),
    ),
    DemoChat(
        "wait-security-zh",
        "li.na@example.com",
        "zh-hans",
        3,
        (Say("我的账户被盗了，有一笔不是我操作的提币"),),
    ),
    # --- with an agent
    DemoChat(
        "agent-zh",
        "wang@example.com",
        "zh-hans",
        18,
        (
            Say("我的USDT提现一直显示处理中"),
            Say("人工"),
            Accept(KAI),
            Reply("您好，我是张凯。请把这笔提币的 TxID 发给我，我帮您查一下。"),
            Say(
                "TxID 是 7f3c9a1e5b2d4c6f8a0e1d3b5c7f9a2e4d6b8c0a1f3e5d7b9c2a4e6f8b0d1c3e"
            ),
            Reply("查到了：这笔提币已经广播，正在等待网络确认，预计 10 分钟内到账。"),
        ),
    ),
    DemoChat(
        "agent-en",
        "alice@example.com",
        "en",
        14,
        (
            Say("I deposited USDT on the wrong network, BEP20 instead of TRC20"),
            Say("agent"),
            Accept(KAI),
            Reply(
                "Hi Alice, I'm Kai. Recovering a wrong-network deposit is possible for USDT "
                "on BEP20. Could you send me the transaction hash?"
            ),
            Say("Sure, one moment, I'm looking for it in my wallet"),
        ),
    ),
    DemoChat(
        "agent-login-en",
        "grace.lee@example.com",
        "en",
        11,
        (
            Say("The password reset email never arrives"),
            Say("I want to talk to a human"),
            Accept(SAM),
            Reply(
                "Hi Grace, Sam here. I have re-sent the reset email; please also check the "
                "spam folder. Did it arrive?"
            ),
        ),
    ),
    # --- ended, with the customer's rating
    DemoChat(
        "rated-en",
        "carla.rossi@example.com",
        "en",
        60 * 26,
        (
            Say("How do I add an address to my withdrawal whitelist?"),
            Say("agent please"),
            Accept(LENA),
            Reply(
                "Hi Carla, I'm Lena. Go to Security, Withdrawal whitelist, Add address; new "
                "addresses can be used after 24 hours."
            ),
            Say("Done, thank you!"),
            Close(by_agent=True),
            Rate(5, "Quick and clear, thanks!"),
        ),
    ),
    DemoChat(
        "rated-zh",
        "liu.yang@example.com",
        "zh-hans",
        60 * 5,
        (
            Say("我的身份认证为什么被拒绝了"),
            Say("转人工"),
            Accept(MIN),
            Reply(
                "您好，我是李敏。您上传的证件照片反光，请在光线均匀的地方重新拍摄后提交。"
            ),
            Say("好的，明白了，谢谢"),
            Close(),
            Rate(4, "解决了，谢谢"),
        ),
    ),
    # --- turned into a ticket by the agent
    DemoChat(
        "ticket-en",
        "david.okafor@example.com",
        "en",
        60 * 3,
        (
            Say("The seller in my P2P order did not release the USDT after I paid"),
            Say("agent"),
            Accept(LEO),
            Reply(
                "Hi David, Leo here. P2P disputes need our review of both sides' payment "
                "evidence, so I am opening a ticket; please attach your bank receipt there."
            ),
            Convert(),
        ),
    ),
    DemoChat(
        "ticket-zh",
        "chen.jing@example.com",
        "zh-hans",
        60 * 2,
        (
            Say("充值XRP的时候忘记填写标签了"),
            Say("人工"),
            Accept(KAI),
            Reply(
                "您好，我是张凯。缺少标签的充值需要财务人工找回，我为您创建工单跟进。"
            ),
            Convert(),
        ),
    ),
]


def load_demo_chats(*, now: datetime | None = None) -> int:
    """Create the demo chats that do not exist yet; returns how many were created."""
    now = now or timezone.now()
    existing = set(
        Conversation.objects.filter(public_id__startswith=PREFIX).values_list(
            "public_id", flat=True
        )
    )
    created = 0
    with transaction.atomic():
        for chat in CHATS:
            if PREFIX + chat.key in existing:
                continue
            customer = User.objects.filter(email=chat.customer).first()
            if customer is None:
                continue  # the demo people are loaded first; a renamed one is skipped
            conversation = _play(chat, customer)
            _move_into_the_past(
                conversation,
                start=now - timedelta(minutes=chat.started_minutes_ago),
                gap=timedelta(seconds=chat.gap_seconds),
            )
            created += 1
    return created


def _play(chat: DemoChat, customer: User) -> Conversation:
    identity = Identity(user=customer)
    # Not conversation_start: that resumes the customer's open chat, and the id is fixed here.
    conversation = Conversation.objects.create(
        public_id=PREFIX + chat.key, customer=customer, language=chat.language
    )
    services.bot_message(
        conversation,
        services.greeting(chat.language, guest=False),
        {"kind": "greeting", "guest": False},
    )
    agent: User | None = None
    for step in chat.steps:
        conversation.refresh_from_db()
        match step:
            case Say(text):
                sent = services.customer_send(
                    conversation=conversation, identity=identity, body=text
                )
                if conversation.status == ConversationStatus.BOT:
                    # Nobody is online while the demo loads: hand-offs wait in the queue.
                    bot.bot_handle(
                        conversation_id=conversation.pk,
                        message_id=sent.message.pk,
                        text=sent.message.body,
                        queue_when_offline=True,
                    )
            case Accept(email):
                agent = User.objects.get(email=email)
                services.chat_accept(conversation=conversation, agent=agent)
            case Reply(text):
                assert agent is not None, f"demo chat {chat.key}: Reply before Accept"
                services.agent_send(conversation=conversation, agent=agent, body=text)
            case Close(by_agent):
                closer = Identity(user=agent) if by_agent and agent else identity
                services.conversation_close(conversation=conversation, identity=closer)
            case Rate(score, comment):
                services.conversation_rate(
                    conversation=conversation,
                    identity=identity,
                    score=score,
                    comment=comment,
                )
            case Convert():
                services.chat_convert(conversation=conversation, actor=agent)
    conversation.refresh_from_db()
    return conversation


def _move_into_the_past(
    conversation: Conversation, *, start: datetime, gap: timedelta
) -> None:
    """Message n at `start + n * gap`; the chat's own times move with the message they came
    with (queued, assigned, closed)."""
    messages = list(
        ChatMessage.objects.filter(conversation=conversation).order_by("seq")
    )
    if not messages:
        return
    moved = {message.pk: start + gap * n for n, message in enumerate(messages)}

    def at(real: datetime | None) -> datetime | None:
        if real is None:
            return None
        later = [m for m in messages if m.created_at >= real]
        return moved[later[0].pk] if later else moved[messages[-1].pk] + gap

    for message in messages:
        ChatMessage.objects.filter(pk=message.pk).update(created_at=moved[message.pk])
    Conversation.objects.filter(pk=conversation.pk).update(
        created_at=start,
        updated_at=moved[messages[-1].pk],
        queued_at=at(conversation.queued_at),
        assigned_at=at(conversation.assigned_at),
        closed_at=at(conversation.closed_at),
    )
