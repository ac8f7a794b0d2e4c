"""Guided flows: walk through a `Flow`'s steps, validating each answer, then run its action.

Steps are data (admins edit them); each validates its answer with a named rule. The state of
a flow in progress lives on the conversation (`flow_state`), so a reconnect or a second web
process continues where the customer was.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from beacon.chat.backoffice import BackOfficeError, DepositState, backoffice
from beacon.chat.models import Flow
from beacon.core.chains import (
    get_network,
    is_coin_symbol,
    network_choices,
    validate_txid,
)

VALIDATORS = ("coin", "network", "txid", "text", "choice")
ACTIONS = ("deposit_status", "handoff")
CANCEL_WORDS = ("cancel", "stop", "quit", "取消", "退出", "算了")


@dataclass
class FlowResult:
    """What one step of a flow says, and whether the flow ended or hands off."""

    replies: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    state: dict[str, Any] = field(default_factory=dict)
    answers: dict[str, str] = field(default_factory=dict)
    handoff: bool = False
    done: bool = False
    deposit: dict[str, Any] | None = None


def validate_steps(steps: Any) -> list[str]:
    """Problems with a flow's steps (for the admin form); empty when they can run."""
    if not isinstance(steps, list) or not steps:
        return [_("Steps must be a non-empty JSON list.")]
    problems = []
    keys = set()
    for number, step in enumerate(steps, start=1):
        if not isinstance(step, dict):
            problems.append(_("Step %(n)s is not an object.") % {"n": number})
            continue
        key = step.get("key")
        if not isinstance(key, str) or not key:
            problems.append(_("Step %(n)s needs a key.") % {"n": number})
        elif key in keys:
            problems.append(
                _("Step %(n)s repeats the key %(key)s.") % {"n": number, "key": key}
            )
        keys.add(key)
        if not step.get("prompt_en"):
            problems.append(_("Step %(n)s needs an English prompt.") % {"n": number})
        rule = step.get("validate", "text")
        if rule not in VALIDATORS:
            problems.append(
                _("Step %(n)s: unknown rule %(rule)s.") % {"n": number, "rule": rule}
            )
        if rule == "choice" and not isinstance(step.get("choices"), list):
            problems.append(_("Step %(n)s needs a list of choices.") % {"n": number})
        if rule == "txid" and "network" not in keys:
            problems.append(
                _("Step %(n)s checks a TxID: ask for the network first.")
                % {"n": number}
            )
    return problems


def prompt(step: dict[str, Any], language: str) -> str:
    if language.startswith("zh") and step.get("prompt_zh"):
        return str(step["prompt_zh"])
    return str(step.get("prompt_en", ""))


def _step_meta(step: dict[str, Any]) -> dict[str, Any]:
    meta: dict[str, Any] = {"kind": "flow_prompt", "key": step.get("key")}
    if step.get("validate") == "network":
        meta["choices"] = [code for code, _name in network_choices()][:12]
    elif step.get("validate") == "choice":
        meta["choices"] = [str(choice) for choice in step.get("choices", [])]
    return meta


def start(flow: Flow, language: str) -> FlowResult:
    first = flow.steps[0]
    return FlowResult(
        replies=[(prompt(first, language), _step_meta(first))],
        state={"flow": flow.slug, "step": 0, "answers": {}},
    )


def _check(
    rule: str, answer: str, answers: dict[str, str], step: dict[str, Any]
) -> tuple[str | None, str]:
    """(clean value or None, error message)."""
    value = answer.strip()
    if rule == "coin":
        if is_coin_symbol(value):
            return value.upper(), ""
        return None, _("Please type the coin's ticker, for example USDT or BTC.")
    if rule == "network":
        network = get_network(value)
        if network is not None:
            return network.code, ""
        return None, _("I do not know that network. Choose one of: %(list)s.") % {
            "list": ", ".join(code for code, _name in network_choices()[:12])
        }
    if rule == "txid":
        network_code = answers.get("network", "")
        if validate_txid(network_code, value):
            return value, ""
        return None, _(
            "That is not a valid transaction hash (TxID) for %(network)s. Copy it from your "
            "wallet or the block explorer and paste it here."
        ) % {"network": network_code}
    if rule == "choice":
        choices = [str(choice) for choice in step.get("choices", [])]
        for choice in choices:
            if value.lower() == choice.lower():
                return choice, ""
        return None, _("Please choose one of: %(list)s.") % {"list": ", ".join(choices)}
    if value:
        return value[:500], ""
    return None, _("Please type an answer.")


def advance(
    flow: Flow,
    state: dict[str, Any],
    answer: str,
    *,
    language: str,
    customer_uid: str | None,
) -> FlowResult:
    """Take the customer's answer to the current step; ask the next one or finish."""
    answers: dict[str, str] = dict(state.get("answers") or {})
    if answer.strip().lower() in CANCEL_WORDS:
        return FlowResult(
            replies=[
                (
                    _("All right, I have stopped. What else can I help with?"),
                    {"kind": "flow_cancelled"},
                )
            ],
            state={},
            answers=answers,
            done=True,
        )
    index = int(state.get("step", 0))
    steps: list[dict[str, Any]] = flow.steps
    step = steps[index]
    value, error = _check(str(step.get("validate", "text")), answer, answers, step)
    if value is None:
        return FlowResult(
            replies=[(error, {"kind": "flow_invalid", "key": step.get("key")})],
            state=state,
            answers=answers,
        )
    answers[str(step["key"])] = value
    if index + 1 < len(steps):
        following = steps[index + 1]
        return FlowResult(
            replies=[(prompt(following, language), _step_meta(following))],
            state={"flow": flow.slug, "step": index + 1, "answers": answers},
            answers=answers,
        )
    return ACTION_RUNNERS.get(flow.action, _handoff_action)(
        answers, language=language, customer_uid=customer_uid
    )


def _handoff_action(
    answers: dict[str, str], *, language: str, customer_uid: str | None
) -> FlowResult:
    return FlowResult(
        replies=[
            (
                _("Thank you, I have noted everything. Let me find a person for you."),
                {"kind": "flow_done"},
            )
        ],
        answers=answers,
        handoff=True,
        done=True,
    )


def _deposit_action(
    answers: dict[str, str], *, language: str, customer_uid: str | None
) -> FlowResult:
    if customer_uid is None:
        return FlowResult(
            replies=[
                (
                    _(
                        "Thank you. To look up a deposit I need to know whose account it is: please "
                        "sign in and start the chat again, or let me pass you to a person."
                    ),
                    {"kind": "sign_in_required", "choices": [_("Talk to a person")]},
                )
            ],
            answers=answers,
            done=True,
        )
    try:
        state = backoffice().deposit_state(
            customer_uid=customer_uid,
            coin=answers.get("coin", ""),
            network=answers.get("network", ""),
            txid=answers.get("txid", ""),
        )
    except BackOfficeError:
        return FlowResult(
            replies=[
                (
                    _(
                        "I could not reach our deposit system just now, so I am passing you to a person with everything you told me."
                    ),
                    {"kind": "backoffice_down"},
                )
            ],
            answers=answers,
            handoff=True,
            done=True,
        )
    text, handoff = deposit_answer(state)
    return FlowResult(
        replies=[(text, {"kind": "deposit_state", "status": state.status})],
        answers=answers,
        handoff=handoff,
        done=True,
        deposit={
            "status": state.status,
            "confirmations": state.confirmations,
            "required": state.required_confirmations,
            "amount": state.amount,
        },
    )


def deposit_answer(state: DepositState) -> tuple[str, bool]:
    """What to tell the customer about the deposit, and whether a person must look at it."""
    values = {
        "coin": state.coin,
        "network": state.network,
        "amount": state.amount,
        "have": state.confirmations,
        "need": state.required_confirmations,
    }
    if state.status == "credited":
        return _(
            "Good news: your %(amount)s %(coin)s deposit on %(network)s has been credited to "
            "your account. Refresh your balance to see it."
        ) % values, False
    if state.status == "confirming":
        return _(
            "Your %(coin)s deposit on %(network)s is on its way: it has %(have)s of the "
            "%(need)s network confirmations we need, and it will be credited automatically "
            "once it has them."
        ) % values, False
    if state.status == "under_review":
        return _(
            "Your %(coin)s deposit is under a routine review. A person from our deposits team "
            "will take it from here."
        ) % values, True
    if state.status == "wrong_address":
        return _(
            "This transaction did not go to one of your deposit addresses for %(network)s. "
            "A person from our deposits team will check it with you."
        ) % values, True
    return _(
        "I cannot find this transaction on %(network)s for your account yet. A person from our "
        "deposits team will look into it with the details you gave."
    ) % values, True


ActionRunner = Callable[..., FlowResult]
ACTION_RUNNERS: dict[str, ActionRunner] = {
    "deposit_status": _deposit_action,
    "handoff": _handoff_action,
}


_cache: tuple[float, list[Flow]] = (0.0, [])
CACHE_SECONDS = 10


def active_flows() -> list[Flow]:
    """Active flows in order; read at most every few seconds per process (admin edits show up
    within CACHE_SECONDS), since every customer message asks."""
    global _cache
    now = time.monotonic()
    if now - _cache[0] > CACHE_SECONDS:
        _cache = (
            now,
            list(Flow.objects.filter(is_active=True).order_by("position", "id")),
        )
    return _cache[1]


def clear_cache() -> None:
    global _cache
    _cache = (0.0, [])


def find_flow(text: str, intent: str | None) -> Flow | None:
    """The first active flow whose keyword the message contains, else the one for its intent."""
    lowered = text.lower()
    flows = active_flows()
    for flow in flows:
        if lowered and any(word in lowered for word in flow.keyword_list()):
            return flow
    if intent:
        for flow in flows:
            if flow.intent and flow.intent == intent:
                return flow
    return None


def run_in(language: str, function: Callable[[], FlowResult]) -> FlowResult:
    with translation.override(language):
        return function()
