"""Is the customer getting angry? A small bilingual lexicon with escalation signals.

Strong words (insults, "scam", 骗子) count as angry at once; milder frustration ("still not",
失望) and shouting (!!!, long capitals) add up over consecutive messages, and two frustrated
messages in a row count as angry.
"""

from __future__ import annotations

import re
import unicodedata

STRONG = (
    "scam",
    "scammer",
    "fraud",
    "thieves",
    "thief",
    "liar",
    "liars",
    "useless",
    "stupid",
    "idiot",
    "idiots",
    "ridiculous",
    "disgusting",
    "pathetic",
    "worst",
    "fuck",
    "fucking",
    "shit",
    "wtf",
    "furious",
    "unacceptable",
    "rip off",
    "ripoff",
    "骗子",
    "骗人",
    "垃圾",
    "废物",
    "坑人",
    "黑平台",
    "气死",
    "妈的",
    "他妈",
    "滚",
    "愤怒",
    "太差劲",
    "什么破",
    "无耻",
    "骗钱",
)
MILD = (
    "still not",
    "still waiting",
    "again",
    "disappointed",
    "annoyed",
    "angry",
    "upset",
    "not happy",
    "unhappy",
    "terrible",
    "awful",
    "waste of time",
    "nobody helps",
    "no one helps",
    "失望",
    "不满",
    "还没",
    "又",
    "太慢",
    "等了很久",
    "没人管",
    "不爽",
    "生气",
    "无语",
)
_WORD = re.compile(r"[a-z']+")
_CAPS = re.compile(r"[A-Z]{10,}")


def _has(text: str, phrase: str) -> bool:
    if phrase.isascii():
        return re.search(rf"(?<![a-z]){re.escape(phrase)}(?![a-z])", text) is not None
    return phrase in text


def frustration(text: str) -> tuple[bool, int]:
    """(angry now, frustration points of this message)."""
    raw = unicodedata.normalize("NFKC", text)
    lowered = raw.lower()
    if any(_has(lowered, word) for word in STRONG):
        return True, 2
    points = sum(1 for word in MILD if _has(lowered, word))
    if "!!" in raw or "！！" in raw or "??" in raw or _CAPS.search(raw):
        points += 1
    return points >= 3, min(points, 2)


def turns_angry(text: str, streak: int) -> tuple[bool, int]:
    """Angry now, and the new streak of frustrated messages (reset by a calm one)."""
    angry, points = frustration(text)
    new_streak = streak + 1 if points else 0
    return angry or new_streak >= 2, new_streak
