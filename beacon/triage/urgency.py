"""Urgency and the priority it suggests: pure rules over what triage and the ticket know.

Security emergencies (a compromised account, a withdrawal the customer did not make, a phishing
victim) are critical whatever else holds. Otherwise a request starts at normal and each of these
raises it one step, up to critical: a VIP or institutional customer, a large amount at stake,
repeated contacts about the same thing, and anger. Feature suggestions are low.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from beacon.routing.matching import EMERGENCY_KEYWORDS

LOW, NORMAL, HIGH, CRITICAL = 1, 2, 3, 4
SECURITY_CATEGORIES = frozenset({"account-compromised"})
LOW_CATEGORIES = frozenset({"feature-suggestion"})
VIP_TIER_MIN = 3
LARGE_AMOUNT_USD = Decimal(10_000)
REPEATED_CONTACTS = 2
ANGER_CONFIDENCE = 0.7

# Phishing and theft phrases beyond routing's emergency keywords (English and Chinese).
PHISHING_KEYWORDS: tuple[str, ...] = (
    "phishing",
    "fake website",
    "fake site",
    "fake support",
    "scam link",
    "drained",
    "did not make this withdrawal",
    "didn't make this withdrawal",
    "钓鱼",
    "假网站",
    "假客服",
    "被骗",
    "不是我操作",
    "非本人操作",
)
ANGER_MARKERS = re.compile(
    r"!{2,}|！{2,}|\b(?:furious|ridiculous|unacceptable|scam|worst|angry|lawyer|police)\b"
    r"|气死|垃圾|骗子|报警|投诉|愤怒|太差",
    re.IGNORECASE,
)

# Rough US-dollar values, only to tell "a lot of money" from "a little"; never shown.
_USD_PER_UNIT: dict[str, Decimal] = {
    "USDT": Decimal(1),
    "USDC": Decimal(1),
    "BUSD": Decimal(1),
    "DAI": Decimal(1),
    "USD": Decimal(1),
    "EUR": Decimal("1.1"),
    "GBP": Decimal("1.3"),
    "CNY": Decimal("0.14"),
    "BTC": Decimal(60_000),
    "ETH": Decimal(3_000),
    "BNB": Decimal(500),
    "SOL": Decimal(150),
    "XRP": Decimal("0.5"),
    "TRX": Decimal("0.12"),
    "TON": Decimal(5),
    "LTC": Decimal(80),
    "DOGE": Decimal("0.15"),
    "ADA": Decimal("0.4"),
}
_AMOUNT = re.compile(
    r"(?P<number>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*(?P<unit>[kK万]?)\s*"
    r"(?P<coin>[A-Za-z]{2,5})\b"
)


@dataclass(frozen=True)
class UrgencyInput:
    text: str
    intent: str = ""
    intent_confidence: float = 0.0
    sentiment: str = ""
    sentiment_confidence: float = 0.0
    vip_tier: int = 0
    recent_contacts: int = 0
    # Structured amount fields of the ticket ({"amount": "1200", "coin": "USDT"}).
    fields: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class UrgencyResult:
    urgency: int
    reasons: list[str]

    @property
    def suggested_priority(self) -> int:
        """Critical → P1, high → P2, normal → P3, low → P4."""
        return 5 - self.urgency


def _normalised(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def is_security_emergency(facts: UrgencyInput) -> bool:
    text = _normalised(facts.text)
    if any(keyword in text for keyword in (*EMERGENCY_KEYWORDS, *PHISHING_KEYWORDS)):
        return True
    return facts.intent in SECURITY_CATEGORIES and facts.intent_confidence >= 0.5


def amount_at_stake_usd(text: str, fields: dict[str, str]) -> Decimal:
    """The largest amount in the text or the ticket's fields, in rough US dollars."""
    best = Decimal(0)
    candidates: list[tuple[str, str, str]] = [
        (m["number"], m["unit"], m["coin"]) for m in _AMOUNT.finditer(text)
    ]
    if fields.get("amount") and fields.get("coin"):
        candidates.append((str(fields["amount"]), "", str(fields["coin"])))
    for number, unit, coin in candidates:
        price = _USD_PER_UNIT.get(coin.upper())
        if price is None:
            continue
        try:
            value = Decimal(number.replace(",", ""))
        except InvalidOperation:
            continue
        if unit in ("k", "K"):
            value *= 1000
        elif unit == "万":
            value *= 10_000
        best = max(best, value * price)
    return best


def assess(facts: UrgencyInput) -> UrgencyResult:
    """Urgency 1-4 and the reasons for it, in the order they were found."""
    if is_security_emergency(facts):
        return UrgencyResult(CRITICAL, ["security"])
    reasons: list[str] = []
    if facts.vip_tier >= VIP_TIER_MIN:
        reasons.append("vip")
    if amount_at_stake_usd(facts.text, facts.fields) >= LARGE_AMOUNT_USD:
        reasons.append("amount")
    if facts.recent_contacts >= REPEATED_CONTACTS:
        reasons.append("repeated")
    if (
        facts.sentiment == "negative" and facts.sentiment_confidence >= ANGER_CONFIDENCE
    ) or ANGER_MARKERS.search(facts.text):
        reasons.append("anger")
    if not reasons and facts.intent in LOW_CATEGORIES:
        return UrgencyResult(LOW, ["suggestion"])
    return UrgencyResult(min(NORMAL + len(reasons), CRITICAL), reasons)
