"""Secrets customers paste into support messages, found and masked before the text is stored.

Support never needs a seed phrase, a private key, an API secret, a password or a 2FA code, yet
customers (often coached by a scammer posing as support) paste them anyway. Whatever is found
here is replaced by a placeholder such as ``[REDACTED:seed_phrase]`` before the text reaches the
database, the search index, the logs or a notification. The placeholder is language-neutral on
purpose: it is stored once and shown to both sides, and the display layer may translate it.

False alarms matter as much as misses (a masked TxID breaks a deposit investigation), so:
- seed phrases must pass the BIP39 checksum (12-24 words of one official word list);
- WIF keys and extended private keys must pass Base58Check;
- a bare 64-hex string is normally a TxID and is masked only after words like "private key";
- API secrets, passwords and 2FA codes are masked only when the text says what they are.

Spans in a `SecretFinding` refer to the original text; findings never carry the secret itself,
so they are safe to log and to put into audit events.
"""

from __future__ import annotations

import hashlib
import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import cache

import base58
from mnemonic import Mnemonic

__all__ = [
    "SECRET_KINDS",
    "MaskResult",
    "SecretFinding",
    "mask_secrets",
    "placeholder",
]

SEED_PHRASE = "seed_phrase"
PRIVATE_KEY_HEX = "private_key_hex"
WIF = "wif"
XPRV = "xprv"
API_SECRET = "api_secret"  # noqa: S105 (a kind name, not a secret)
PASSWORD = "password"  # noqa: S105 (a kind name, not a secret)
OTP_CODE = "otp_code"
SECRET_KINDS: tuple[str, ...] = (
    SEED_PHRASE,
    PRIVATE_KEY_HEX,
    WIF,
    XPRV,
    API_SECRET,
    PASSWORD,
    OTP_CODE,
)


@dataclass(frozen=True)
class SecretFinding:
    """One secret found in a text: its kind and its span [start, end) in the original text."""

    kind: str
    start: int
    end: int


@dataclass(frozen=True)
class MaskResult:
    """The masked text and what was removed from it (kinds and spans, never the secrets)."""

    text: str
    findings: tuple[SecretFinding, ...]

    @property
    def found(self) -> bool:
        return bool(self.findings)

    @property
    def kinds(self) -> tuple[str, ...]:
        """Distinct kinds found, in the order of SECRET_KINDS."""
        present = {finding.kind for finding in self.findings}
        return tuple(kind for kind in SECRET_KINDS if kind in present)


def placeholder(kind: str) -> str:
    """What replaces a secret of `kind` in stored text."""
    return f"[REDACTED:{kind}]"


PLACEHOLDER_RE = re.compile(r"\[REDACTED:([a-z_]+)\]")


# --------------------------------------------------------------------------------------
# BIP39 seed phrases
# --------------------------------------------------------------------------------------

_VALID_LENGTHS = (
    24,
    21,
    18,
    15,
    12,
)  # longest first: a 24-word phrase beats its first 12


@cache
def _wordlist_index(language: str) -> dict[str, int]:
    return {word: index for index, word in enumerate(Mnemonic(language).wordlist)}


def _english() -> dict[str, int]:
    return _wordlist_index("english")


def _chinese() -> tuple[dict[str, int], dict[str, int]]:
    return _wordlist_index("chinese_simplified"), _wordlist_index("chinese_traditional")


@cache
def _chinese_characters() -> frozenset[str]:
    simplified, traditional = _chinese()
    return frozenset(simplified) | frozenset(traditional)


def bip39_checksum_ok(indices: list[int]) -> bool:
    """Say whether word indices (11 bits each) end in the BIP39 checksum of their entropy."""
    count = len(indices)
    if count not in _VALID_LENGTHS:
        return False
    value = 0
    for index in indices:
        value = (value << 11) | index
    checksum_bits = count // 3  # 12 words: 128 bits entropy + 4 bits checksum, etc.
    entropy_bits = count * 11 - checksum_bits
    entropy = (value >> checksum_bits).to_bytes(entropy_bits // 8, "big")
    expected = hashlib.sha256(entropy).digest()[0] >> (8 - checksum_bits)
    return (value & ((1 << checksum_bits) - 1)) == expected


# What may stand between two words of a pasted phrase: spaces, commas, line breaks and
# list numbering ("1. abandon 2. ability", "(3) able", "#4-about", "1、的 2、一").
_PUNCT = r"\s,;:.、，；：。|/\\()\[\]（）#*\-–—·•\"'‘’“”"
_GAP_RE = re.compile(rf"[{_PUNCT}]*(?:\d{{1,2}}[{_PUNCT}]*)?")
_GAP_MAX = 12
_EN_WORD_RE = re.compile(r"[A-Za-z]+")
_CJK_RUN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")

# A Chinese phrase typed without any separator ("的一是在不了有和人这中大") is checked harder,
# because ordinary Chinese is made of the same common characters and one window in 16 passes a
# 12-word checksum by chance. It counts when a word before it says what it is, or when it stands
# alone (a whole line or clause, of exactly a phrase's length) and does not read like Chinese
# (see _reads_like_chinese). "钱包" (wallet) or "备份" (backup) are not such words: support
# tickets are full of them.
_ZH_SEED_CONTEXT_RE = re.compile(
    r"助记词|助記詞|记忆词|記憶詞|恢复词|恢復詞|种子词|種子詞|密语|密語|私钥|私鑰"
    r"|seed|mnemonic|recovery\s+(?:phrase|words)|secret\s+(?:phrase|words)",
    re.IGNORECASE,
)
_ZH_CONTEXT_WINDOW = 30
_ZH_CONNECTORS = frozenset("是为為")


@dataclass(frozen=True, slots=True)
class _Token:
    start: int
    end: int
    word: str


def _segments(tokens: list[_Token], text: str, *, glued: bool) -> list[list[_Token]]:
    """Maximal runs of at least 12 tokens, all joined directly (`glued`) or all by separators."""
    segments: list[list[_Token]] = []
    current: list[_Token] = []
    for token in tokens:
        if current:
            gap = text[current[-1].end : token.start]
            joined = (gap == "") if glued else (gap != "" and _gap_ok(gap))
            if joined:
                current.append(token)
                continue
            if len(current) >= 12:
                segments.append(current)
        current = [token]
    if len(current) >= 12:
        segments.append(current)
    return segments


def _gap_ok(gap: str) -> bool:
    return len(gap) <= _GAP_MAX and _GAP_RE.fullmatch(gap) is not None


def _find_english(text: str, out: list[SecretFinding]) -> None:
    words = _english()
    # Only list words are kept; a word outside the list between two of them leaves letters in
    # the gap, which is not a separator, so it breaks the segment.
    tokens = [
        _Token(match.start(), match.end(), word)
        for match in _EN_WORD_RE.finditer(text)
        if (word := match.group().lower()) in words
    ]
    if len(tokens) < 12:
        return
    for segment in _segments(tokens, text, glued=False):
        _scan_separated(segment, [words], out)


def _find_chinese(text: str, out: list[SecretFinding]) -> None:
    simplified, traditional = _chinese()
    listed = _chinese_characters()
    tokens = []
    for run in _CJK_RUN_RE.finditer(text):
        base = run.start()
        tokens += [
            _Token(base + offset, base + offset + 1, char)
            for offset, char in enumerate(run.group())
            if char in listed
        ]
    if len(tokens) < 12:
        return
    lists = [simplified, traditional]
    for segment in _segments(tokens, text, glued=False):
        _scan_separated(segment, lists, out)
    glued = _segments(tokens, text, glued=True)
    if glued:
        contexts = [match.end() for match in _ZH_SEED_CONTEXT_RE.finditer(text)]
        for segment in glued:
            _scan_glued(segment, lists, contexts, out)


def _scan_separated(
    segment: list[_Token], lists: list[dict[str, int]], out: list[SecretFinding]
) -> None:
    """Greedy left-to-right search for checksum-valid windows, longest length first.

    A segment of exactly a phrase's length is taken as typed: if the whole fails the checksum
    (a typo, or ordinary words), no shorter window inside it is tried, because one in 16 of
    those passes by chance.
    """
    if len(segment) in _VALID_LENGTHS:
        if _window_ok(segment, lists):
            out.append(SecretFinding(SEED_PHRASE, segment[0].start, segment[-1].end))
        return
    # Word indices once per segment; each window is then a slice (long runs stay linear).
    indexed = [
        [wordlist.get(token.word, -1) for token in segment] for wordlist in lists
    ]
    position = 0
    while position <= len(segment) - 12:
        for length in _VALID_LENGTHS:
            end = position + length
            if end <= len(segment) and any(
                -1 not in (window := indices[position:end])
                and bip39_checksum_ok(window)
                for indices in indexed
            ):
                out.append(
                    SecretFinding(
                        SEED_PHRASE, segment[position].start, segment[end - 1].end
                    )
                )
                position = end
                break
        else:
            position += 1


def _scan_glued(
    segment: list[_Token],
    lists: list[dict[str, int]],
    contexts: list[int],
    out: list[SecretFinding],
) -> None:
    """Unseparated Chinese: a phrase right after a context word, or the whole segment alone.

    After a context word only windows starting there are tried (at most ten checksums), so
    ordinary text that merely follows "助记词" is not searched, and a text full of context
    words costs no more than one pass.
    """
    starts = [token.start for token in segment]
    covered = -1
    has_context = False
    for context_end in contexts:
        first = bisect_left(starts, context_end)
        if (
            first == len(segment)
            or starts[first] - context_end > _ZH_CONTEXT_WINDOW
            or starts[first] < covered
        ):
            continue
        has_context = True
        # "助记词是的一是在...": the phrase may start after a "是"; try that first, since the
        # "是" belongs to the sentence far more often than to the phrase.
        candidates = [first]
        if segment[first].word in _ZH_CONNECTORS:
            candidates.insert(0, first + 1)
        for start in candidates:
            window = _anchored_window(segment, start, lists)
            if window is not None:
                out.append(SecretFinding(SEED_PHRASE, window[0].start, window[-1].end))
                covered = window[-1].end
                break
    # A segment with a context word in it or just before it is not a phrase standing alone.
    if (
        not has_context
        and len(segment) in _VALID_LENGTHS
        and _window_ok(segment, lists)
        and not _reads_like_chinese("".join(token.word for token in segment))
    ):
        out.append(SecretFinding(SEED_PHRASE, segment[0].start, segment[-1].end))


def _anchored_window(
    segment: list[_Token], start: int, lists: list[dict[str, int]]
) -> list[_Token] | None:
    """The longest checksum-valid window starting at `start`, if any.

    As in _scan_separated, when what follows `start` is exactly a phrase's length it is taken
    as typed and no shorter window is tried.
    """
    rest = len(segment) - start
    for length in (rest,) if rest in _VALID_LENGTHS else _VALID_LENGTHS:
        window = segment[start : start + length]
        if len(window) == length and _window_ok(window, lists):
            return window
    return None


def _window_ok(window: list[_Token], lists: list[dict[str, int]]) -> bool:
    for wordlist in lists:
        indices = [wordlist.get(token.word, -1) for token in window]
        if -1 not in indices and bip39_checksum_ok(indices):
            return True
    return False


# Real Chinese is mostly the few hundred most frequent characters, cut by jieba into words of
# two or more characters; a BIP39 phrase draws uniformly from all 2048 (the list is ordered by
# frequency), so its characters are rarer and few neighbours form words. Measured on random
# phrases against AFQMC, ChnSentiCorp, waimai_10k and the demo tickets: docs/triage-safety.md.
_UNLISTED_RANK = 2048
_COMMON_MEAN_RANK = 550
_WORDS_SHARE = 0.4


def _reads_like_chinese(chars: str) -> bool:
    # Imported here: it loads its dictionary, and only this rare path needs it.
    import rjieba

    simplified, traditional = _chinese()
    rank = sum(
        min(simplified.get(ch, _UNLISTED_RANK), traditional.get(ch, _UNLISTED_RANK))
        for ch in chars
    ) / len(chars)
    in_words = sum(len(word) for word in rjieba.cut(chars, hmm=False) if len(word) > 1)
    return rank < _COMMON_MEAN_RANK or in_words / len(chars) > _WORDS_SHARE


# --------------------------------------------------------------------------------------
# Keys
# --------------------------------------------------------------------------------------

_B58 = "1-9A-HJ-NP-Za-km-z"
_WIF_RE = re.compile(rf"(?<![{_B58}])[{_B58}]{{51,52}}(?![{_B58}])")
# Version bytes of private keys in WIF: Bitcoin mainnet/testnet, Litecoin, Dogecoin.
_WIF_VERSIONS = frozenset({0x80, 0xEF, 0xB0, 0x9E})
_XPRV_RE = re.compile(rf"(?<![{_B58}])[xtyzuvXYZUV]prv[{_B58}]{{100,112}}(?![{_B58}])")

_HEX64_RE = re.compile(r"(?<![0-9A-Za-z])(?:0x)?[0-9a-fA-F]{64}(?![0-9A-Za-z])")
# Which word came last before a 64-hex string decides what it is: a TxID is far more common.
_KEY_OR_TX_RE = re.compile(
    r"(?P<key>private[\s_-]*key|priv[\s_-]*key|secret|\bkey\b|私钥|私鑰|密钥|密鑰|秘钥|秘鑰)"
    r"|(?P<tx>txid|tx[\s_-]*id|tx[\s_-]*hash|transaction|hash|交易|哈希|\btx\b)",
    re.IGNORECASE,
)
_KEY_CONTEXT_WINDOW = 60


def _is_wif(candidate: str) -> bool:
    try:
        payload = base58.b58decode_check(candidate)
    except ValueError:
        return False
    if not payload or payload[0] not in _WIF_VERSIONS:
        return False
    # 32-byte key, plus a 0x01 marker for a compressed public key.
    return len(payload) == 33 or (len(payload) == 34 and payload[-1] == 0x01)


def _is_xprv(candidate: str) -> bool:
    try:
        payload = base58.b58decode_check(candidate)
    except ValueError:
        return False
    # BIP32 serialisation: 78 bytes, and the key data of a private key starts with 0x00.
    return len(payload) == 78 and payload[45] == 0x00


def _find_keys(text: str, out: list[SecretFinding]) -> None:
    for match in _WIF_RE.finditer(text):
        if _is_wif(match.group()):
            out.append(SecretFinding(WIF, match.start(), match.end()))
    for match in _XPRV_RE.finditer(text):
        if _is_xprv(match.group()):
            out.append(SecretFinding(XPRV, match.start(), match.end()))
    for match in _HEX64_RE.finditer(text):
        before = text[max(0, match.start() - _KEY_CONTEXT_WINDOW) : match.start()]
        last = None
        for word in _KEY_OR_TX_RE.finditer(before):
            last = word
        if last is not None and last.group("key"):
            out.append(SecretFinding(PRIVATE_KEY_HEX, match.start(), match.end()))


# --------------------------------------------------------------------------------------
# Things said to be secret: API secrets, passwords, 2FA codes
# --------------------------------------------------------------------------------------

# "is", ":", "=", "是" and the like between the name and the value.
_SAYS = r"(?:[^\S\n]*(?:is|was|are|=|:|：|是|为|為|-)[^\S\n]*|[^\S\n]+)"

_API_SECRET_RE = re.compile(
    r"(?:(?<![A-Za-z0-9])(?:api[\s_-]*(?:secret|key|private[\s_-]*key)(?:[\s_-]*key)?"
    r"|secret[\s_-]*key|apisecret)|api[^\S\n]*(?:密钥|密鑰|秘钥|私钥)|(?<!私)密钥|密鑰|秘钥)"
    rf"(?:{_SAYS}){{1,3}}[\"'`“‘]?(?P<value>[A-Za-z0-9+/=_-]{{16,128}})",
    re.IGNORECASE,
)

_PASSWORD_RE = re.compile(
    r"(?:(?<![A-Za-z0-9])(?:password|passwd|pass[\s-]?word|pwd|passcode|pin[\s-]*code)"
    r"|登录密码|登錄密碼|资金密码|"
    r"資金密碼|交易密码|交易密碼|密码|密碼|口令)"
    rf"(?P<says>(?:{_SAYS}){{1,3}})(?P<quote>[\"'`“‘]?)(?P<value>[!-~]{{4,64}})",
    re.IGNORECASE,
)
_PASSWORD_TRAILING = ".,;!?)]}\"'`”’"  # noqa: S105 (punctuation)
# Words that follow "password is" in questions and complaints, not passwords.
_NOT_A_PASSWORD = frozenset(
    {
        "secure",
        "safe",
        "long",
        "short",
        "simple",
        "weird",
        "strange",
        "different",
        "sensitive",
        "unique",
        "random",
        "saved",
        "gone",
        "fixed",
        "broken",
        "known",
        "here",
        "there",
        "below",
        "above",
        "attached",
        "mine",
        "blocked",
        "disabled",
        "enabled",
        "active",
        "inactive",
        "valid",
        "useless",
        "denied",
        "anymore",
        "expiring",
        "this",
        "that",
        "wrong",
        "incorrect",
        "correct",
        "invalid",
        "expired",
        "reset",
        "changed",
        "change",
        "forgotten",
        "forgot",
        "lost",
        "not",
        "the",
        "my",
        "your",
        "our",
        "their",
        "same",
        "still",
        "too",
        "being",
        "been",
        "working",
        "locked",
        "required",
        "weak",
        "strong",
        "ok",
        "fine",
        "right",
        "good",
        "what",
        "does",
        "doesnt",
        "doesn't",
        "isnt",
        "isn't",
        "wont",
        "won't",
        "cant",
        "can't",
        "never",
        "always",
        "also",
        "just",
        "now",
        "correctly",
        "rejected",
        "accepted",
        "updated",
        "new",
        "old",
        "very",
        "please",
        "help",
        "needed",
        "missing",
        "blank",
        "empty",
        "unknown",
        "stolen",
        "compromised",
        "leaked",
        "hacked",
    }
)

_OTP_RE = re.compile(
    r"(?:(?<![A-Za-z0-9])(?:2fa|two[\s-]*factor|otp|totp|one[\s-]*time[\s-]*(?:code|password|pin)"
    r"|authenticator|google[\s-]*auth[a-z]*|verification[\s-]*code|security[\s-]*code"
    r"|sms[\s-]*code|auth(?:entication)?[\s-]*code)(?![A-Za-z0-9])"
    r"|验证码|驗證碼|校验码|校驗碼|动态码|動態碼|谷歌验证|谷歌驗證|短信码)"
    r"(?:[^\S\n]*(?:codes?|is|was|are|=|:|：|是|为|為|码|碼|-)){0,4}[^\S\n]*"
    r"(?<![A-Za-z0-9.])(?P<value>\d{3}[ -]\d{3}|\d{4,8})(?![A-Za-z0-9.])",
    re.IGNORECASE,
)


def _find_said(text: str, out: list[SecretFinding]) -> None:
    for match in _API_SECRET_RE.finditer(text):
        value = match.group("value")
        if any(ch.isdigit() for ch in value) and any(ch.isalpha() for ch in value):
            out.append(SecretFinding(API_SECRET, *match.span("value")))
    for match in _PASSWORD_RE.finditer(text):
        # The whole token is masked, trailing punctuation included (it may belong to the
        # password); only the check for ordinary words ignores it.
        value = match.group("value")
        word = value.rstrip(_PASSWORD_TRAILING)
        if len(word) < 4 or word.casefold() in _NOT_A_PASSWORD:
            continue
        if value[0] in "([{<":
            continue
        says = match.group("says")
        explicit = bool(match.group("quote")) or any(ch in says for ch in ":=：是为為")
        # After a bare "password is", a plain word counts only in "my password is hunter."
        # (it ends the sentence); otherwise it is far more often a description of it.
        if not explicit and word.isalpha() and word[1:].islower():
            owned = text[max(0, match.start() - 3) : match.start()].lower() == "my "
            ends = (
                value != word or match.end() == len(text) or text[match.end()] == "\n"
            )
            if not (owned and ends and says.strip().lower() == "is"):
                continue
        out.append(SecretFinding(PASSWORD, *match.span("value")))
    for match in _OTP_RE.finditer(text):
        out.append(SecretFinding(OTP_CODE, *match.span("value")))


# --------------------------------------------------------------------------------------
# Masking
# --------------------------------------------------------------------------------------


def find_secrets(text: str) -> tuple[SecretFinding, ...]:
    """Every secret in `text`, sorted by position, overlapping finds merged into one."""
    found: list[SecretFinding] = []
    _find_keys(text, found)
    _find_english(text, found)
    _find_chinese(text, found)
    _find_said(text, found)
    if not found:
        return ()
    # Longer spans first at the same start, so a seed phrase absorbs a password found in it.
    found.sort(key=lambda f: (f.start, -f.end))
    merged = [found[0]]
    for finding in found[1:]:
        last = merged[-1]
        if finding.start < last.end:
            if finding.end > last.end:
                merged[-1] = SecretFinding(last.kind, last.start, finding.end)
            continue
        merged.append(finding)
    return tuple(merged)


def mask_secrets(text: str) -> MaskResult:
    """Replace every secret in `text` by its placeholder; spans in findings refer to `text`."""
    findings = find_secrets(text) if text else ()
    if not findings:
        return MaskResult(text, ())
    parts: list[str] = []
    position = 0
    for finding in findings:
        parts.append(text[position : finding.start])
        parts.append(placeholder(finding.kind))
        position = finding.end
    parts.append(text[position:])
    return MaskResult("".join(parts), findings)
