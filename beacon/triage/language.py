"""Language of a message, restricted to the languages the deployment serves.

Two steps, as measured in shared/notes/offline-models.md (99.2 % on 120 support messages):
1. A Unicode-script rule picks the writing system: kana means Japanese, Hangul Korean, Han
   Chinese, Cyrillic Russian (or another allowed Cyrillic language), and so on. Han characters
   count five times a Latin letter, and tickers such as "USDT" or "TRC20" not at all, because
   Chinese customers mix English jargon into Chinese ("USDT 提币 pending") far more often than
   English customers write Chinese.
2. Only when the script leaves several allowed languages open (Latin: en, vi, tr, es, ...)
   py3langid decides, restricted to those candidates. Open-set detectors fail on short texts
   ("ok" comes out as Zulu); a closed set fixes that.

Simplified and Traditional Chinese are told apart by the characters that only one of the two
national encodings has: GB2312 holds the simplified forms, Big5 the traditional ones.
"""

from __future__ import annotations

import copy
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from functools import cache, lru_cache
from typing import Any

DEFAULT_LANGUAGES: tuple[str, ...] = (
    "zh-hans",
    "zh-hant",
    "en",
    "ja",
    "ko",
    "ru",
    "vi",
    "tr",
    "es",
)

# Writing systems whose letters say more than a Latin letter does, by how much.
_SCRIPT_WEIGHT = {"han": 5, "kana": 5, "hangul": 5, "latin": 1}
_OTHER_SCRIPT_WEIGHT = 3

# Languages written in each non-Latin script; every other language counts as Latin-script.
_SCRIPT_LANGUAGES: dict[str, tuple[str, ...]] = {
    "han": ("zh-hans", "zh-hant", "zh", "ja"),
    "kana": ("ja",),
    "hangul": ("ko",),
    "cyrillic": ("ru", "uk", "be", "bg", "sr", "mk", "kk", "ky", "mn"),
    "greek": ("el",),
    "arabic": ("ar", "fa", "ur", "ps"),
    "hebrew": ("he", "yi"),
    "thai": ("th",),
    "devanagari": ("hi", "mr", "ne"),
    "armenian": ("hy",),
    "georgian": ("ka",),
}
_NON_LATIN_LANGUAGES = {code for codes in _SCRIPT_LANGUAGES.values() for code in codes}

# Tokens that belong to no language: tickers, network names, order ids ("USDT", "TRC20", "KYC").
_NEUTRAL_TOKEN = re.compile(r"\b(?:[A-Z]{2,}[A-Z0-9]*|\w*\d\w*)\b")

# When py3langid is unsure about a short plain-ASCII text ("ok", "thx"), English is the safer guess.
_SHORT_TEXT_LETTERS = 12
_SHORT_TEXT_CONFIDENCE = 0.9


# Cached: a text is read character by character, and a desk sees the same few thousand characters
# over and over (the ranges and unicodedata.name below cost more than the rest of a detection).
@lru_cache(maxsize=65536)
def _script_of(char: str) -> str | None:
    """The writing system of one character, or None for digits, punctuation and symbols."""
    code = ord(char)
    if 0x3040 <= code <= 0x30FF or 0x31F0 <= code <= 0x31FF or 0xFF66 <= code <= 0xFF9F:
        return "kana"
    if 0xAC00 <= code <= 0xD7AF or 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F:
        return "hangul"
    if (
        0x3400 <= code <= 0x4DBF
        or 0x4E00 <= code <= 0x9FFF
        or 0xF900 <= code <= 0xFAFF
        or 0x20000 <= code <= 0x2FA1F
    ):
        return "han"
    if not char.isalpha():
        return None
    name = unicodedata.name(char, "")
    for script in (
        "LATIN",
        "CYRILLIC",
        "GREEK",
        "ARABIC",
        "HEBREW",
        "THAI",
        "DEVANAGARI",
        "ARMENIAN",
        "GEORGIAN",
    ):
        if name.startswith(script):
            return script.lower()
    return None


def _script_scores(text: str) -> Counter[str]:
    """Weighted letter counts per writing system, tickers and ids left out."""
    counts: Counter[str] = Counter()
    for char in _NEUTRAL_TOKEN.sub(" ", text):
        script = _script_of(char)
        if script is not None:
            counts[script] += _SCRIPT_WEIGHT.get(script, _OTHER_SCRIPT_WEIGHT)
    if counts["kana"]:
        # Japanese writes kanji beside kana: the Han characters are Japanese too.
        counts["kana"] += counts.pop("han", 0)
    return counts


def _chinese_variant(text: str, allowed: Sequence[str]) -> str:
    """zh-hans or zh-hant (whichever is allowed), by characters only one encoding has."""
    simplified = traditional = 0
    for char in text:
        if _script_of(char) != "han":
            continue
        in_gb = _encodable(char, "gb2312")
        in_big5 = _encodable(char, "big5")
        simplified += in_gb and not in_big5
        traditional += in_big5 and not in_gb
    preferred = "zh-hant" if traditional > simplified else "zh-hans"
    if preferred in allowed:
        return preferred
    return next(code for code in allowed if code.startswith("zh"))


@lru_cache(maxsize=65536)
def _encodable(char: str, encoding: str) -> bool:
    try:
        char.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def _langid_code(code: str) -> str:
    """py3langid's ISO 639-1 code for one of ours ("pt-br" -> "pt")."""
    return code.split("-")[0]


@cache
def _full_identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


@cache
def _identifier(candidates: tuple[str, ...]) -> Any:
    """py3langid restricted to ``candidates``: a shallow copy shares the loaded model's arrays."""
    identifier = copy.copy(_full_identifier())
    identifier.set_languages(sorted({_langid_code(code) for code in candidates}))
    return identifier


@cache
def _langid_knows() -> frozenset[str]:
    return frozenset(_full_identifier().labels)


def _pick_among(text: str, candidates: Sequence[str]) -> str:
    """The most likely of several allowed languages that share a script."""
    known = [code for code in candidates if _langid_code(code) in _langid_knows()]
    if len(known) <= 1:
        # One candidate needs no model; languages py3langid lacks are taken in the given order.
        return known[0] if known else candidates[0]
    candidates = known
    code, confidence = _identifier(tuple(candidates)).classify(text)
    letters = sum(char.isalpha() for char in text)
    if (
        "en" in candidates
        and text.isascii()
        and letters <= _SHORT_TEXT_LETTERS
        and confidence < _SHORT_TEXT_CONFIDENCE
    ):
        return "en"
    return next(
        candidate for candidate in candidates if _langid_code(candidate) == code
    )


def detect_language(
    text: str,
    allowed: Sequence[str] = DEFAULT_LANGUAGES,
    *,
    default: str | None = None,
) -> str | None:
    """The language of ``text`` among ``allowed`` codes (Django style: "zh-hans", "en"), else ``default``.

    ``default`` is returned for texts without letters ("12345", "👍") and for texts written only
    in scripts that no allowed language uses.
    """
    allowed = [code.lower() for code in allowed]
    scores = _script_scores(text)
    for script, _score in scores.most_common():
        if script == "latin":
            candidates = [code for code in allowed if code not in _NON_LATIN_LANGUAGES]
        else:
            candidates = [code for code in allowed if code in _SCRIPT_LANGUAGES[script]]
        if not candidates:
            continue
        if script == "han" and any(code.startswith("zh") for code in candidates):
            return _chinese_variant(text, candidates)
        return _pick_among(text, candidates)
    return default
