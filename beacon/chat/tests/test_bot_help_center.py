"""The assistant on the real help-centre search (articles made through the knowledge services)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from beacon.accounts.models import User
from beacon.accounts.tests.factories import AgentFactory
from beacon.chat import bot, services
from beacon.chat.identity import Identity
from beacon.chat.models import ChatMessage, Conversation, ConversationStatus
from beacon.knowledge.models import Article
from beacon.knowledge.search import reset_cache
from beacon.knowledge.tests.conftest import Capture
from beacon.knowledge.tests.factories import make_article

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_index() -> Iterator[None]:
    # The real search, sentence encoders included: its confidence is what the assistant uses.
    reset_cache()
    yield
    reset_cache()


@pytest.fixture
def two_factor(django_capture_on_commit_callbacks: Capture) -> Article:
    editor = AgentFactory.create()
    with django_capture_on_commit_callbacks(execute=True):
        return make_article(
            editor=editor,
            texts={
                "en": (
                    "How to reset Google Authenticator",
                    "If you lost the phone with your authenticator app, open Security and choose "
                    "Reset 2FA; we check your identity with a selfie before the reset.",
                ),
                "zh-hans": (
                    "如何重置谷歌验证器",
                    "如果手机丢失导致无法使用谷歌验证器，请进入安全中心选择重置两步验证，我们会通过人脸识别核验身份后再重置。",
                ),
            },
            also_asked={
                "en": "lost my 2fa phone",
                "zh-hans": "手机丢了谷歌验证码怎么办",
            },
        )


def _ask(conversation: Conversation, customer: User, text: str) -> list[ChatMessage]:
    sent = services.customer_send(
        conversation=conversation, identity=Identity(user=customer), body=text
    )
    return bot.bot_handle(conversation_id=conversation.pk, message_id=sent.message.pk)


def test_chinese_question_is_answered_from_the_chinese_article(
    conversation: Conversation, customer: User, two_factor: Article
) -> None:
    replies = _ask(conversation, customer, "我的手机丢了，怎么重置谷歌验证器？")

    answer = replies[0]
    assert answer.meta["kind"] == "answer", answer.body
    assert answer.meta["article"] == two_factor.pk
    assert "人脸识别" in answer.body
    assert answer.meta["links"][0]["url"].startswith("/help/zh-hans/")
    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.BOT


def test_a_question_the_help_centre_cannot_answer_is_handed_off(
    conversation: Conversation, customer: User, two_factor: Article
) -> None:
    _ask(conversation, customer, "why was my futures position liquidated at that price")

    conversation.refresh_from_db()
    assert conversation.status != ConversationStatus.BOT
    assert not ChatMessage.objects.filter(
        conversation=conversation, meta__kind="answer"
    ).exists()
