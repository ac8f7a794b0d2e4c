"""The assistant: answers from the help centre, runs guided flows, knows when to hand off.

Order of decisions for each customer message while the chat is with the assistant:
1. a security emergency (compromised account, unauthorised withdrawal) hands off at once;
2. asking for a person ("agent", "human", 人工, 转人工, 客服) hands off;
3. anger (see `mood`) hands off;
4. a guided flow in progress takes the answer; a message matching a flow starts it;
5. an out-of-scope message (triage's intent model) hands off unless the help centre is sure;
6. a confident help-centre match is answered with its snippet and a link, in the customer's
   language; two close matches get a clarifying question instead;
7. an in-scope intent that a flow handles (deposit missing, ...) starts that flow;
8. otherwise, not confident enough: hand off.
Nothing but article snippets is ever stated as fact.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from beacon.chat import flows, intents, mood, services
from beacon.chat.models import (
    ChatMessage,
    Conversation,
    ConversationStatus,
    Flow,
    HandoffReason,
    Sender,
)
from beacon.routing.matching import EMERGENCY_KEYWORDS, TicketFacts, any_keyword
from beacon.triage.classifier import Prediction
from beacon.triage.language import detect_language

logger = logging.getLogger(__name__)

HUMAN_WORDS = (
    "human",
    "agent",
    "person",
    "real person",
    "operator",
    "representative",
    "customer service",
    "live support",
    "人工",
    "转人工",
    "客服",
    "真人",
    "人工服务",
)
YES_WORDS = (
    "yes",
    "yes, thanks",
    "thanks",
    "thank you",
    "是",
    "是的",
    "解决了",
    "谢谢",
)
NO_WORDS = ("no", "not really", "否", "没有", "没解决", "不是")


class Hit(Protocol):
    """What the bot reads of a help-centre search hit (knowledge.search.SearchHit)."""

    @property
    def article_id(self) -> int: ...
    @property
    def language(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def snippet(self) -> str: ...
    @property
    def confidence(self) -> float: ...


def search_articles(query: str, language: str) -> list[Hit]:
    """Help-centre search; the only source of what the assistant states."""
    from beacon.knowledge.search import kb_search  # the knowledge app owns search

    return list(kb_search(query=query, language=language, limit=3, audience="public"))


@dataclass
class Decision:
    replies: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    handoff: str = ""
    collected: dict[str, Any] = field(default_factory=dict)
    flow_state: dict[str, Any] | None = None
    negative_streak: int = 0
    language: str = ""


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text).lower()).strip()


def asks_for_human(text: str) -> bool:
    lowered = _normal(text)
    for word in HUMAN_WORDS:
        if word.isascii():
            if re.search(rf"(?<![a-z]){re.escape(word)}s?(?![a-z])", lowered):
                return True
        elif word in lowered:
            return True
    return False


def is_emergency(text: str) -> bool:
    facts = TicketFacts(
        subject="",
        description=text,
        category_id=None,
        category_is_security=False,
        channel="chat",
        language="",
        vip_tier=0,
        kyc_level=0,
    )
    return any_keyword(EMERGENCY_KEYWORDS, facts)


def should_hand_off(prediction: Prediction) -> bool:
    """The intent model's verdict alone: out of scope, or not confident enough to act on."""
    return (
        prediction.out_of_scope
        or prediction.confidence < settings.CHAT_HANDOFF_CONFIDENCE
    )


def _answer(hit: Hit) -> tuple[str, dict[str, Any]]:
    body = _("From our help centre, “%(title)s”: %(snippet)s") % {
        "title": hit.title,
        "snippet": hit.snippet.strip(),
    }
    return body, {
        "kind": "answer",
        "article": hit.article_id,
        "links": [{"title": hit.title, "url": hit.url}],
        "confidence": round(float(hit.confidence), 3),
        "choices": [_("Yes, that helps"), _("No, talk to a person")],
    }


def _clarify(hits: list[Hit]) -> tuple[str, dict[str, Any]]:
    return _("I found more than one article. Which one is closest to your question?"), {
        "kind": "clarify",
        "choices": [hit.title for hit in hits],
        "articles": [
            {
                "id": hit.article_id,
                "title": hit.title,
                "url": hit.url,
                "snippet": hit.snippet,
            }
            for hit in hits
        ],
    }


def _chosen_article(text: str, pending: list[dict[str, Any]]) -> dict[str, Any] | None:
    wanted = _normal(text)
    for number, article in enumerate(pending, start=1):
        if wanted in (str(number), _normal(str(article.get("title", "")))):
            return article
    return None


def decide(conversation: Conversation, text: str) -> Decision:
    """What the assistant does with one customer message (no writes)."""
    language = (
        detect_language(text, ("en", "zh-hans"), default=None) or conversation.language
    )
    decision = Decision(language=language)
    with translation.override(language):
        _decide(conversation, text, decision)
    return decision


def _decide(conversation: Conversation, text: str, decision: Decision) -> None:
    language = decision.language
    state = dict(conversation.flow_state or {})
    if is_emergency(text):
        decision.handoff = HandoffReason.EMERGENCY
        decision.collected = {
            "category": "account-compromised",
            "intent": "account_compromised",
        }
        decision.flow_state = {}
        return
    if asks_for_human(text):
        decision.replies.append(
            (_("Of course, I will connect you with a person."), {"kind": "handoff"})
        )
        decision.handoff = HandoffReason.ASKED
        return
    angry, decision.negative_streak = mood.turns_angry(
        text, conversation.negative_streak
    )
    if angry:
        decision.replies.append(
            (
                _(
                    "I am sorry this has been frustrating. Let me bring in a person right away."
                ),
                {"kind": "handoff"},
            )
        )
        decision.handoff = HandoffReason.ANGRY
        return

    if state.get("flow"):
        flow = Flow.objects.filter(slug=state["flow"], is_active=True).first()
        if flow is not None:
            _continue_flow(conversation, flow, state, text, decision)
            return
        decision.flow_state = {}
    if state.get("clarify"):
        article = _chosen_article(text, list(state["clarify"]))
        decision.flow_state = {}
        if article is not None:
            decision.replies.append(
                (
                    _("From our help centre, “%(title)s”: %(snippet)s")
                    % {
                        "title": article["title"],
                        "snippet": str(article["snippet"]).strip(),
                    },
                    {
                        "kind": "answer",
                        "article": article["id"],
                        "links": [{"title": article["title"], "url": article["url"]}],
                        "choices": [_("Yes, that helps"), _("No, talk to a person")],
                    },
                )
            )
            return
    if state.get("answered"):
        decision.flow_state = {}
        lowered = _normal(text)
        if lowered in {_normal(w) for w in (*YES_WORDS, _("Yes, that helps"))}:
            decision.replies.append(
                (_("Glad I could help! Anything else?"), {"kind": "smalltalk"})
            )
            return
        if lowered in {_normal(w) for w in (*NO_WORDS, _("No, talk to a person"))}:
            decision.replies.append(
                (
                    _("Sorry about that. I will connect you with a person."),
                    {"kind": "handoff"},
                )
            )
            decision.handoff = HandoffReason.LOW_CONFIDENCE
            return

    prediction = intents.classify(text)
    decision.collected = {
        "intent": prediction.effective_label,
        "intent_confidence": prediction.confidence,
    }
    category = intents.INTENT_CATEGORY.get(prediction.label)
    if category and not prediction.out_of_scope:
        decision.collected["category"] = category

    # A message that names a flow's problem ("deposit not credited") starts it at once.
    if _start_flow(flows.find_flow(text, None), decision):
        return

    if prediction.effective_label == "greeting" and not prediction.out_of_scope:
        decision.replies.append(
            (_("Hello! What can I help you with today?"), {"kind": "smalltalk"})
        )
        return

    hits = [hit for hit in search_articles(text, language) if hit.url]
    sure = settings.CHAT_ANSWER_CONFIDENCE
    best = hits[0] if hits else None
    if prediction.out_of_scope and (
        best is None or best.confidence < settings.CHAT_OOS_OVERRIDE_CONFIDENCE
    ):
        decision.replies.append(
            (
                _("That is outside what I can answer, so I will pass you to a person."),
                {"kind": "handoff"},
            )
        )
        decision.handoff = HandoffReason.OUT_OF_SCOPE
        return
    if best is not None and best.confidence >= sure:
        close = [
            hit
            for hit in hits[1:]
            if hit.article_id != best.article_id
            and hit.confidence >= sure
            and best.confidence - hit.confidence < settings.CHAT_CLARIFY_MARGIN
        ]
        if close:
            options = [best, close[0]]
            decision.replies.append(_clarify(options))
            decision.flow_state = {
                "clarify": [
                    {
                        "id": h.article_id,
                        "title": h.title,
                        "url": h.url,
                        "snippet": h.snippet,
                    }
                    for h in options
                ]
            }
            return
        decision.replies.append(_answer(best))
        decision.collected["articles"] = [best.article_id]
        decision.flow_state = {"answered": best.article_id}
        return
    # No article answers it, but it is a case a flow handles: collect the details first.
    if not should_hand_off(prediction) and _start_flow(
        flows.find_flow("", prediction.label), decision
    ):
        return
    decision.replies.append(
        (
            _("I am not sure I have the right answer, so I will pass you to a person."),
            {"kind": "handoff"},
        )
    )
    decision.handoff = HandoffReason.LOW_CONFIDENCE


def _start_flow(flow: Flow | None, decision: Decision) -> bool:
    if flow is None or not flow.steps:
        return False
    result = flows.start(flow, decision.language)
    decision.replies.extend(result.replies)
    decision.flow_state = result.state
    if flow.category_slug:
        decision.collected["category"] = flow.category_slug
    return True


def _continue_flow(
    conversation: Conversation,
    flow: Flow,
    state: dict[str, Any],
    text: str,
    decision: Decision,
) -> None:
    customer = conversation.customer
    uid = (customer.exchange_uid or str(customer.pk)) if customer is not None else None
    result = flows.advance(
        flow, state, text, language=decision.language, customer_uid=uid
    )
    decision.replies.extend(result.replies)
    decision.flow_state = result.state if not result.done else {}
    decision.collected = {"answers": result.answers, "flow": flow.slug}
    if flow.category_slug:
        decision.collected["category"] = flow.category_slug
    if result.deposit is not None:
        decision.collected["deposit"] = result.deposit
    if result.handoff:
        decision.handoff = HandoffReason.FLOW


def summary(conversation: Conversation, reason: str) -> str:
    """One paragraph for the agent: why the chat came to them and what the assistant collected."""
    collected = conversation.collected or {}
    parts = [
        f"{_('Reason')}: {HandoffReason(reason).label}"
        if reason in HandoffReason.values
        else ""
    ]
    if collected.get("intent"):
        parts.append(
            f"{_('Intent')}: {collected['intent']} ({collected.get('intent_confidence', '')})"
        )
    if collected.get("flow"):
        parts.append(f"{_('Flow')}: {collected['flow']}")
    for key, value in (collected.get("answers") or {}).items():
        parts.append(f"{key}: {value}")
    deposit = collected.get("deposit")
    if isinstance(deposit, dict):
        parts.append(
            f"{_('Deposit state')}: {deposit.get('status')} "
            f"({deposit.get('confirmations')}/{deposit.get('required')})"
        )
    if collected.get("articles"):
        parts.append(
            f"{_('Articles shown')}: {', '.join(str(a) for a in collected['articles'])}"
        )
    return "; ".join(part for part in parts if part)


def bot_handle(
    *,
    conversation_id: int,
    message_id: int,
    text: str | None = None,
    queue_when_offline: bool | None = None,
) -> list[ChatMessage]:
    """Answer one customer message if the chat is still with the assistant; returns its replies.

    `text` is the message's stored body when the caller has it (the socket does), which saves
    reading it back. One transaction: the assistant decides on the locked conversation (so two
    answers in one chat see each other's flow state), then one update stores what it learnt
    with the numbers of its replies, and one insert stores the replies.
    """
    with transaction.atomic():
        # The customer is loaded only if a flow needs their exchange uid.
        locked = services.locked_for_answer(conversation_id)
        if locked is None or locked.status != ConversationStatus.BOT:
            return []
        if text is None:
            message = (
                ChatMessage.objects.filter(
                    pk=message_id,
                    conversation_id=conversation_id,
                    sender=Sender.CUSTOMER,
                )
                .only("body")
                .order_by()
                .first()
            )
            if message is None:
                return []
            text = message.body
        # A file on its own needs no answer from the assistant.
        decision = decide(locked, text) if text else Decision(language=locked.language)
        updates: dict[str, Any] = {"negative_streak": decision.negative_streak}
        if decision.collected:
            updates["collected"] = {**(locked.collected or {}), **decision.collected}
        if decision.flow_state is not None:
            updates["flow_state"] = decision.flow_state
        if decision.language and decision.language != locked.language:
            updates["language"] = decision.language
        posted = services.bot_answer(locked, decision.replies, updates=updates)
        reason = decision.handoff
        if reason:
            with translation.override(locked.language):
                services.handoff(
                    conversation=locked,
                    reason=reason,
                    summary=summary(locked, reason),
                    queue_when_offline=queue_when_offline,
                )
    return posted
