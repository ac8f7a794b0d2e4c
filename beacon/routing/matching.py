"""Which routing rules a ticket matches: pure functions shared by routing and the dry-run page."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from beacon.core.text import tokens
from beacon.routing.models import RoutingRule

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

# Phrases that make a ticket a security emergency whatever its category (English and Chinese).
EMERGENCY_KEYWORDS: tuple[str, ...] = (
    "account hacked",
    "hacked",
    "compromised",
    "unauthorized withdrawal",
    "unauthorised withdrawal",
    "unauthorized login",
    "unauthorised login",
    "stolen",
    "someone withdrew",
    "被盗",
    "盗号",
    "被黑",
    "账户被黑",
    "账号被黑",
    "未授权提现",
    "未经授权提现",
    "未授权登录",
    "资产被转走",
    "资金被转走",
    "币被转走",
)


@dataclass(frozen=True)
class TicketFacts:
    """What rules look at: a real ticket's values, or a sample typed into the dry-run form."""

    subject: str
    description: str
    category_id: int | None
    category_is_security: bool
    channel: str
    language: str
    vip_tier: int
    kyc_level: int
    intent: str = ""
    urgency: int | None = None
    sentiment: str = ""

    @cached_property
    def tokens(self) -> list[str]:
        return tokens(f"{self.subject}\n{self.description}")

    @cached_property
    def normalised(self) -> str:
        # Chinese has no spaces: jieba may cut a phrase differently inside a sentence than
        # alone, so CJK keywords are also looked for in the raw (normalised) text.
        text = unicodedata.normalize("NFKC", f"{self.subject}\n{self.description}")
        return re.sub(r"\s+", "", text.lower())

    @cached_property
    def joined_tokens(self) -> str:
        # Tokens never contain _SEP (a control character), so a run of adjacent tokens is
        # exactly a substring that starts and ends at a separator.
        return _SEP + _SEP.join(self.tokens) + _SEP


@dataclass
class Outcome:
    """The result of running the rules over a ticket."""

    matched: list[RoutingRule] = field(default_factory=list)
    team_id: int | None = None
    priority: int | None = None
    tags: list[str] = field(default_factory=list)
    sla_policy_id: int | None = None
    is_emergency: bool = False


@lru_cache(maxsize=4096)
def _keyword_tokens(keyword: str) -> tuple[str, ...]:
    return tuple(tokens(keyword))


def keyword_matches(keyword: str, facts: TicketFacts) -> bool:
    """True when the keyword's tokens occur, in order and adjacent, among the ticket's tokens."""
    wanted = _keyword_tokens(keyword)
    if not wanted:
        return False
    if _CJK.search(keyword) and re.sub(r"\s+", "", keyword.lower()) in facts.normalised:
        return True
    have = facts.tokens
    size = len(wanted)
    return any(tuple(have[i : i + size]) == wanted for i in range(len(have) - size + 1))


_SEP = "\x1f"


@dataclass(frozen=True)
class _Needles:
    """What `keyword_matches` looks for, for a list of keywords, ready for substring tests."""

    cjk: tuple[str, ...]  # in the normalised text
    tokens: tuple[str, ...]  # in the joined tokens


@lru_cache(maxsize=1024)
def _needles(keywords: tuple[str, ...]) -> _Needles:
    cjk: list[str] = []
    token_runs: list[str] = []
    for keyword in keywords:
        wanted = _keyword_tokens(keyword)
        if not wanted:
            continue
        if _CJK.search(keyword):
            cjk.append(re.sub(r"\s+", "", keyword.lower()))
        token_runs.append(_SEP + _SEP.join(wanted) + _SEP)
    return _Needles(tuple(cjk), tuple(token_runs))


def any_keyword(keywords: Iterable[str], facts: TicketFacts) -> bool:
    """`keyword_matches` for any of `keywords`, as substring tests (the same answers: see
    `TicketFacts.joined_tokens`); the emergency list runs on every new ticket."""
    needles = _needles(tuple(keywords))
    if needles.cjk and any(needle in facts.normalised for needle in needles.cjk):
        return True
    return any(needle in facts.joined_tokens for needle in needles.tokens)


def is_emergency(facts: TicketFacts) -> bool:
    """A compromised account or unauthorised withdrawal: by category, or by what the customer wrote."""
    return facts.category_is_security or any_keyword(EMERGENCY_KEYWORDS, facts)


def rule_matches(rule: RoutingRule, facts: TicketFacts) -> bool:
    """Every condition the rule sets must hold (categories must be prefetched)."""
    category_ids = {category.pk for category in rule.categories.all()}
    checks = (
        not category_ids or facts.category_id in category_ids,
        not rule.channel or rule.channel == facts.channel,
        not rule.language or rule.language == facts.language,
        rule.vip_tier_min is None or facts.vip_tier >= rule.vip_tier_min,
        rule.kyc_level_min is None or facts.kyc_level >= rule.kyc_level_min,
        rule.kyc_level_max is None or facts.kyc_level <= rule.kyc_level_max,
        not rule.intent or rule.intent == facts.intent,
        rule.urgency_min is None
        or (facts.urgency is not None and facts.urgency >= rule.urgency_min),
        not rule.sentiment or rule.sentiment == facts.sentiment,
    )
    if not all(checks):
        return False
    keywords = rule.keyword_list()
    return not keywords or any_keyword(keywords, facts)


def evaluate(rules: Sequence[RoutingRule], facts: TicketFacts) -> Outcome:
    """Run active rules in order; later matches override team and priority, tags add up."""
    outcome = Outcome()
    for rule in rules:
        if not rule.is_active or not rule_matches(rule, facts):
            continue
        outcome.matched.append(rule)
        if rule.set_team_id is not None:
            outcome.team_id = rule.set_team_id
        if rule.set_priority is not None:
            outcome.priority = rule.set_priority
        for tag in rule.add_tags or []:
            if isinstance(tag, str) and tag not in outcome.tags:
                outcome.tags.append(tag)
        if rule.sla_policy_id is not None:
            outcome.sla_policy_id = rule.sla_policy_id
        if rule.stop_processing:
            break
    outcome.is_emergency = is_emergency(facts)
    return outcome
