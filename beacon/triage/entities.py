"""Crypto entities in a message: addresses, TxIDs, tags and memos, coins, networks, amounts, order
ids, exchange UIDs, emails, phones and ID numbers, as structured fields with explorer links.

Addresses and TxIDs are only reported when they pass their network's own checksum
(beacon/core/chains.py), so a mangled paste shows up as missing rather than as a wrong link.
Many formats are shared (a 0x address is valid on every EVM chain; 64 hex digits are a TxID on
Bitcoin, TRON, XRP, ...): the network the message names decides, and without one the candidates
are listed and only an unambiguous format gets a link.

Computed on display from the stored (already masked) text: nothing here is stored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from beacon.core import chains

__all__ = ["Entity", "extract_entities", "is_chinese_id_number"]


@dataclass(frozen=True)
class Entity:
    """One thing found in a text; `start`/`end` are its span in that text."""

    kind: str  # address, txid, destination_tag, memo, coin, network, amount, order_id, uid, email, phone, id_number, passport
    value: str
    start: int
    end: int
    networks: tuple[
        str, ...
    ] = ()  # network codes the value is valid on, most likely first
    currency: str = ""  # for amounts
    url: str = field(
        default="", compare=False
    )  # explorer link, when the network is known

    @property
    def network(self) -> str:
        return self.networks[0] if self.networks else ""


_EVM = tuple(code for code, n in chains.NETWORKS.items() if n.family == "evm")
_B58 = "1-9A-HJ-NP-Za-km-z"
_RIPPLE = "rpshnaf39wBUDNEGHJKLM4PQRST7VWXYZ2bcdeCg65jkm8oFqi1tuvAxyz"

# Candidate shapes, tried in this order; a span claimed by one is not looked at again.
_CANDIDATES: list[tuple[str, re.Pattern[str], tuple[str, ...]]] = [
    ("txid", re.compile(r"(?<![0-9A-Za-z])0x[0-9a-fA-F]{64}(?![0-9A-Za-z])"), _EVM),
    ("address", re.compile(r"(?<![0-9A-Za-z])0x[0-9a-fA-F]{40}(?![0-9A-Za-z])"), _EVM),
    (
        "address",
        re.compile(r"(?<![0-9A-Za-z:])(?:0|-1):[0-9a-fA-F]{64}(?![0-9A-Za-z])"),
        ("TON",),
    ),
    (
        "txid",
        re.compile(r"(?<![0-9A-Za-z])[0-9a-fA-F]{64}(?![0-9A-Za-z])"),
        ("BTC", "TRC20", "XRP", "LTC", "DOGE", "XLM", "ATOM", "EOS", "TON"),
    ),
    (
        "address",
        re.compile(
            r"(?<![0-9A-Za-z])(?:bc1|BC1|ltc1|LTC1)[0-9A-Za-z]{8,87}(?![0-9A-Za-z])"
        ),
        ("BTC", "LTC"),
    ),
    (
        "address",
        re.compile(r"(?<![0-9A-Za-z])cosmos1[02-9ac-hj-np-z]{38,58}(?![0-9A-Za-z])"),
        ("ATOM",),
    ),
    ("address", re.compile(r"(?<![0-9A-Z])G[A-Z2-7]{55}(?![0-9A-Z])"), ("XLM",)),
    (
        "address",
        re.compile(r"(?<![0-9A-Za-z_+/=-])[A-Za-z0-9_+/-]{48}(?![0-9A-Za-z_+/=-])"),
        ("TON",),
    ),
    (
        "address",
        re.compile(rf"(?<![{_B58}])[{_B58}]{{25,44}}(?![{_B58}])"),
        ("TRC20", "BTC", "LTC", "DOGE", "SOL"),
    ),
    (
        "address",
        re.compile(rf"(?<![{_RIPPLE}])r[{_RIPPLE}]{{24,34}}(?![{_RIPPLE}])"),
        ("XRP",),
    ),
    ("txid", re.compile(rf"(?<![{_B58}])[{_B58}]{{86,88}}(?![{_B58}])"), ("SOL",)),
    (
        "txid",
        re.compile(r"(?<![0-9A-Za-z_+/=-])[A-Za-z0-9_+/-]{43}=(?![0-9A-Za-z_+/=-])"),
        ("TON",),
    ),
]

# Network names as users write them, English and Chinese. Longest first in the pattern.
_NETWORK_WORDS: dict[str, str] = {
    "以太坊": "ERC20",
    "以太网": "ERC20",
    "波场": "TRC20",
    "波场链": "TRC20",
    "币安智能链": "BEP20",
    "币安链": "BEP20",
    "比特币网络": "BTC",
    "索拉纳": "SOL",
    "瑞波": "XRP",
    "恒星": "XLM",
    "马蹄链": "POLYGON",
}
_NETWORK_RE = re.compile(
    r"(?<![A-Za-z0-9])(?i:TRC|ERC|BEP)[\s-]?20(?![0-9])"
    r"|(?<![A-Za-z0-9])(?:BSC|Tron|TRON|Polygon|POLYGON|Arbitrum|ARBITRUM|Optimism|Solana|SOLANA"
    r"|Avalanche|Stellar|Cosmos|Litecoin|Dogecoin|Bitcoin|Ethereum|TON|XRPL)(?![A-Za-z0-9])"
    r"|" + "|".join(sorted(_NETWORK_WORDS, key=len, reverse=True)),
)

# Tickers safe to match in any case, and the ones that are also English words (upper case only).
_COINS_ANY_CASE = frozenset(
    [
        "BTC",
        "ETH",
        "USDT",
        "USDC",
        "TRX",
        "BNB",
        "XRP",
        "DOGE",
        "LTC",
        "XLM",
        "ATOM",
        "SHIB",
        "BUSD",
        "FDUSD",
        "TUSD",
        "DAI",
        "MATIC",
        "AVAX",
    ]
)
_COINS_UPPER = frozenset(
    [
        "SOL",
        "TON",
        "EOS",
        "ADA",
        "DOT",
        "OP",
        "ARB",
        "LINK",
        "UNI",
        "PEPE",
        "NEAR",
        "APT",
        "SUI",
    ]
)
_COIN_NAMES: dict[str, str] = {
    "比特币": "BTC",
    "以太币": "ETH",
    "泰达币": "USDT",
    "瑞波币": "XRP",
    "狗狗币": "DOGE",
    "莱特币": "LTC",
    "波场币": "TRX",
    "币安币": "BNB",
    "艾达币": "ADA",
}
_FIAT = {
    "USD": "USD",
    "EUR": "EUR",
    "CNY": "CNY",
    "RMB": "CNY",
    "元": "CNY",
    "美元": "USD",
    "人民币": "CNY",
    "$": "USD",
    "¥": "CNY",
    "￥": "CNY",
}
_COIN_RE = re.compile(
    r"(?<![A-Za-z0-9])[A-Za-z]{2,6}(?![A-Za-z0-9])|"
    + "|".join(sorted(_COIN_NAMES, key=len, reverse=True))
)

_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_CURRENCY = (
    "|".join(sorted(_COINS_ANY_CASE | _COINS_UPPER, key=len, reverse=True))
    + "|USD|EUR|CNY|RMB|美元|人民币|元|"
    + "|".join(_COIN_NAMES)
    + "|U"
)
_AMOUNT_RE = re.compile(
    rf"(?<![A-Za-z0-9.])(?P<number>{_NUMBER})[^\S\n]?(?P<currency>{_CURRENCY})(?![A-Za-z0-9])"
    rf"|(?P<symbol>[$¥￥])[^\S\n]?(?P<number2>{_NUMBER})",
    re.IGNORECASE,
)

_TAG_RE = re.compile(
    r"(?:destination[\s_-]*tag|dest\.?[\s_-]*tag|\btag\b|目标标签|标签|数字标签)[^\S\n]*(?:is|是|为|[:：#=])?[^\S\n]*(?P<value>\d{1,10})(?![0-9])",
    re.IGNORECASE,
)
_MEMO_RE = re.compile(
    r"(?:\bmemo(?:[\s_-]*id)?\b|备注|留言|memo码)[^\S\n]*(?:is|是|为|[:：#=])?[^\S\n]*(?P<value>[A-Za-z0-9_-]{1,64})",
    re.IGNORECASE,
)
_ORDER_RE = re.compile(
    r"(?:order[\s_-]*(?:id|no\.?|number|#)?|withdrawal[\s_-]*id|订单号?|订单编号|提现单号|充值单号)"
    r"[^\S\n]*(?:is|是|为|[:：#=])?[^\S\n]*(?P<value>[A-Za-z0-9-]{6,40})",
    re.IGNORECASE,
)
_UID_RE = re.compile(
    r"(?:\buid\b|user[\s_-]*id|account[\s_-]*id|用户ID|用户编号|账户ID|账号ID)[^\S\n]*(?:is|是|为|[:：#=])?[^\S\n]*(?P<value>\d{5,12})(?![0-9])",
    re.IGNORECASE,
)
_EMAIL_RE = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}(?![\w-])"
)
_PHONE_RE = re.compile(
    r"(?<![\w+])(?:\+\d{1,3}[\s-]?\(?\d{1,4}\)?(?:[\s-]?\d{2,4}){2,3}|(?:\+?86[\s-]?)?1[3-9]\d[\s-]?\d{4}[\s-]?\d{4})(?![\w])"
)
_CN_ID_RE = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_PASSPORT_RE = re.compile(
    r"(?:passport|护照|護照)[^\S\n]*(?:no\.?|number|号码?|號碼?)?[^\S\n]*(?:is|是|为|[:：#])?[^\S\n]*(?P<value>[A-Za-z]{1,2}\d{6,9})(?![0-9A-Za-z])",
    re.IGNORECASE,
)

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def is_chinese_id_number(value: str) -> bool:
    """GB 11643: 17 digits and an ISO 7064 MOD 11-2 check character, with a plausible birth date."""
    if _CN_ID_RE.fullmatch(value) is None:
        return False
    year, month, day = int(value[6:10]), int(value[10:12]), int(value[12:14])
    if not (1900 <= year <= 2100 and 1 <= month <= 12 and 1 <= day <= 31):
        return False
    total = sum(int(d) * w for d, w in zip(value[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == value[17].upper()


def _link(kind: str, network: str, value: str) -> str:
    info = chains.NETWORKS.get(network)
    if info is None:
        return ""
    if kind == "txid":
        return info.explorer_tx.format(txid=value)
    return info.explorer_address.format(address=value)


class _Spans:
    def __init__(self) -> None:
        self.taken: list[tuple[int, int]] = []

    def free(self, start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in self.taken)

    def take(self, start: int, end: int) -> None:
        self.taken.append((start, end))


def _mentioned_networks(text: str, out: list[Entity], spans: _Spans) -> list[str]:
    codes: list[str] = []
    for match in _NETWORK_RE.finditer(text):
        word = match.group()
        network = chains.get_network(_NETWORK_WORDS.get(word, word))
        if network is None:
            continue
        out.append(
            Entity("network", network.code, match.start(), match.end(), (network.code,))
        )
        spans.take(match.start(), match.end())
        if network.code not in codes:
            codes.append(network.code)
    return codes


@lru_cache(maxsize=4096)
def _valid_on(kind: str, candidates: tuple[str, ...], value: str) -> tuple[str, ...]:
    # Cached: the same address or TxID comes back in every message of a conversation.
    check = chains.validate_txid if kind == "txid" else chains.validate_address
    return tuple(code for code in candidates if check(code, value))


def _chain_values(
    text: str, mentioned: list[str], out: list[Entity], spans: _Spans
) -> None:
    for kind, pattern, candidates in _CANDIDATES:
        for match in pattern.finditer(text):
            value = match.group()
            if not spans.free(match.start(), match.end()):
                continue
            valid = _valid_on(kind, candidates, value)
            if not valid:
                continue
            # The network the message names comes first; the format alone picks one only
            # when it is valid on a single network (or on EVM chains, all alike: Ethereum).
            named = [code for code in mentioned if code in valid]
            ordered = tuple(dict.fromkeys([*named, *valid]))
            chosen = (
                named[0]
                if named
                else (valid[0] if len(valid) == 1 or set(valid) <= set(_EVM) else "")
            )
            out.append(
                Entity(
                    kind,
                    value,
                    match.start(),
                    match.end(),
                    ordered,
                    url=_link(kind, chosen, value) if chosen else "",
                )
            )
            spans.take(match.start(), match.end())


def _said(text: str, out: list[Entity], spans: _Spans, mentioned: list[str]) -> None:
    memo_network = next(
        (c for c in mentioned if chains.NETWORKS[c].memo_label is not None), ""
    )
    for kind, pattern in (
        ("destination_tag", _TAG_RE),
        ("memo", _MEMO_RE),
        ("order_id", _ORDER_RE),
        ("uid", _UID_RE),
        ("passport", _PASSPORT_RE),
    ):
        for match in pattern.finditer(text):
            start, end = match.span("value")
            value = match.group("value")
            if not spans.free(start, end):
                continue
            if kind == "order_id" and not any(ch.isdigit() for ch in value):
                continue
            networks: tuple[str, ...] = ()
            if kind == "destination_tag":
                if not chains.validate_memo("XRP", value):
                    continue
                networks = ("XRP",)
            elif kind == "memo" and memo_network:
                if not chains.validate_memo(memo_network, value):
                    continue
                networks = (memo_network,)
            out.append(Entity(kind, value, start, end, networks))
            spans.take(start, end)


def _contacts(text: str, out: list[Entity], spans: _Spans) -> None:
    for match in _EMAIL_RE.finditer(text):
        if spans.free(*match.span()):
            out.append(Entity("email", match.group(), *match.span()))
            spans.take(*match.span())
    for match in _CN_ID_RE.finditer(text):
        if spans.free(*match.span()) and is_chinese_id_number(match.group()):
            out.append(Entity("id_number", match.group(), *match.span()))
            spans.take(*match.span())
    for match in _PHONE_RE.finditer(text):
        digits = sum(ch.isdigit() for ch in match.group())
        if 8 <= digits <= 15 and spans.free(*match.span()):
            out.append(Entity("phone", match.group(), *match.span()))
            spans.take(*match.span())


def _money(text: str, out: list[Entity], spans: _Spans) -> None:
    for match in _AMOUNT_RE.finditer(text):
        if not spans.free(*match.span()):
            continue
        number = (match.group("number") or match.group("number2")).replace(",", "")
        raw = match.group("currency") or match.group("symbol")
        currency = _FIAT.get(raw.upper(), _FIAT.get(raw, "")) or _COIN_NAMES.get(
            raw, raw.upper()
        )
        if raw.upper() == "U":
            currency = "USDT"  # Chinese users write "100U" for 100 USDT.
        out.append(Entity("amount", number, *match.span(), currency=currency))
        spans.take(*match.span())
    for match in _COIN_RE.finditer(text):
        word = match.group()
        symbol = _COIN_NAMES.get(word) or (
            word.upper()
            if word.upper() in _COINS_ANY_CASE
            else word
            if word in _COINS_UPPER
            else ""
        )
        if symbol and spans.free(*match.span()):
            out.append(Entity("coin", symbol, *match.span()))


def extract_entities(text: str) -> list[Entity]:
    """Every entity in `text`, in text order."""
    if not text:
        return []
    out: list[Entity] = []
    spans = _Spans()
    mentioned = _mentioned_networks(text, out, spans)
    _chain_values(text, mentioned, out, spans)
    _said(text, out, spans, mentioned)
    _contacts(text, out, spans)
    _money(text, out, spans)
    return sorted(out, key=lambda entity: (entity.start, entity.end))
