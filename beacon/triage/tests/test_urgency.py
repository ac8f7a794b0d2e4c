"""Urgency rules: security first, then VIP, amount, repeated contacts and anger raise it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from beacon.triage.urgency import (
    CRITICAL,
    HIGH,
    LOW,
    NORMAL,
    UrgencyInput,
    amount_at_stake_usd,
    assess,
)


@pytest.mark.parametrize(
    "text",
    [
        "my account was hacked",
        "I clicked a phishing link and entered my password",
        "someone withdrew all my USDT, I did not make this withdrawal",
        "账号被盗了",
        "在钓鱼网站输入了密码",
        "提现不是我操作的",
    ],
)
def test_security_emergencies_are_critical(text: str) -> None:
    result = assess(UrgencyInput(text=text))

    assert (result.urgency, result.reasons) == (CRITICAL, ["security"])
    assert result.suggested_priority == 1


def test_predicted_compromised_account_is_critical() -> None:
    result = assess(
        UrgencyInput(
            text="strange login", intent="account-compromised", intent_confidence=0.8
        )
    )

    assert result.urgency == CRITICAL


def test_plain_request_is_normal() -> None:
    result = assess(UrgencyInput(text="my deposit is not credited"))

    assert (result.urgency, result.suggested_priority) == (NORMAL, 3)


def test_each_signal_raises_one_step() -> None:
    assert assess(UrgencyInput(text="pending", vip_tier=4)).urgency == HIGH
    assert assess(UrgencyInput(text="pending", recent_contacts=3)).urgency == HIGH
    assert (
        assess(
            UrgencyInput(text="pending", sentiment="negative", sentiment_confidence=0.9)
        ).urgency
        == HIGH
    )
    both = assess(UrgencyInput(text="50000 USDT pending", vip_tier=4))
    assert (both.urgency, both.reasons) == (CRITICAL, ["vip", "amount"])


def test_anger_words_count_in_both_languages() -> None:
    assert "anger" in assess(UrgencyInput(text="this is unacceptable!!")).reasons
    assert "anger" in assess(UrgencyInput(text="太差了，垃圾平台")).reasons


def test_feature_suggestions_are_low() -> None:
    assert (
        assess(UrgencyInput(text="dark mode", intent="feature-suggestion")).urgency
        == LOW
    )


@pytest.mark.parametrize(
    ("text", "fields", "usd"),
    [
        ("sent 2 BTC yesterday", {}, Decimal(120_000)),
        ("12,500 USDT pending", {}, Decimal(12_500)),
        ("5万 USDT 没到账", {}, Decimal(50_000)),
        ("no amount here", {"amount": "3", "coin": "ETH"}, Decimal(9_000)),
        ("100 FOO tokens", {}, Decimal(0)),
    ],
)
def test_amount_at_stake(text: str, fields: dict[str, str], usd: Decimal) -> None:
    assert amount_at_stake_usd(text, fields) == usd
