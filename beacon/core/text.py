"""Text normalisation shared by search and triage: lower-case, NFKC, Chinese segmented into words."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import rjieba

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[\w.@:+-]+", re.UNICODE)


@lru_cache(maxsize=1)
def _warm() -> bool:
    rjieba.cut(
        "预热"
    )  # First call loads the dictionary; do it once, not inside a request's timing.
    return True


def tokens(text: str) -> list[str]:
    """Search tokens: Latin words as they are (lower-cased), Chinese runs cut into words by jieba."""
    _warm()
    normalised = unicodedata.normalize("NFKC", text).lower()
    out: list[str] = []
    for word in _WORD.findall(normalised):
        if _CJK.search(word):
            for part in re.split(f"({_CJK.pattern})", word):
                if not part:
                    continue
                if _CJK.fullmatch(part):
                    out.extend(w for w in rjieba.cut(part) if w.strip())
                else:
                    out.append(part.strip("._:-"))
        else:
            cleaned = word.strip("._:-")
            if cleaned:
                out.append(cleaned)
    return [t for t in out if t]


def search_text(*parts: str) -> str:
    """Space-joined tokens: stored beside a row so that word matching works for Chinese too."""
    return " ".join(tokens(" ".join(p for p in parts if p)))
