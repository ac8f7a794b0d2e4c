"""Turning article and query text into search terms, the same way on both sides.

- Latin words: NFKC, lower-case, English Snowball stems ("withdrawals" -> "withdraw").
- Chinese runs: jieba's search mode, which also yields the shorter words inside long ones
  ("实名认证" -> 实名, 认证, 实名认证), so a query need not be cut the way the article was.
- A few function words of each language are dropped; BM25's idf would mostly ignore them anyway,
  dropping them keeps posting lists short.

The segmenter's global dictionary is not changed here: tickets store text segmented by
beacon.core.text, and a new word there would make old rows and new queries disagree.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import rjieba
import snowballstemmer

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
# Words keep inner dots, dashes and underscores ("api-key", "v2.1", "sub_account").
_WORD = re.compile(
    r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[^\W_]+(?:[._-][^\W_]+)*"
)

STOPWORDS_EN = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "been",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "for",
        "from",
        "had",
        "has",
        "have",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "me",
        "my",
        "of",
        "on",
        "or",
        "our",
        "so",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "to",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "am",
        "i'm",
        "im",
    ]
)
STOPWORDS_ZH = frozenset(
    [
        "的",
        "了",
        "吗",
        "呢",
        "吧",
        "啊",
        "呀",
        "么",
        "是",
        "在",
        "我",
        "我的",
        "你",
        "你们",
        "您",
        "他",
        "她",
        "它",
        "和",
        "与",
        "及",
        "或",
        "就",
        "都",
        "也",
        "还",
        "又",
        "请问",
        "请",
        "一下",
        "这个",
        "那个",
        "这",
        "那",
        "有",
        "被",
        "把",
        "让",
        "给",
        "从",
        "对",
        "要",
    ]
)

_stemmer = snowballstemmer.stemmer("english")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Snowball stem of one lower-case Latin word (cached: the same words come again and again)."""
    if not word.isascii() or not word.isalpha():
        return word
    result: str = _stemmer.stemWord(word)
    return result


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def terms(text: str) -> list[str]:
    """Search terms of `text`, in order; Chinese sub-words follow the word they came from."""
    out: list[str] = []
    for word in _WORD.findall(normalise(text)):
        if _CJK.fullmatch(word):
            for part in rjieba.cut_for_search(word):
                if part.strip() and part not in STOPWORDS_ZH:
                    out.append(part)
        elif word not in STOPWORDS_EN:
            out.append(stem(word))
    return out


def is_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


def language_of(text: str) -> str:
    """ "zh-hans" when the text has Chinese characters, else "en" (the two languages we index)."""
    return "zh-hans" if is_cjk(text) else "en"
