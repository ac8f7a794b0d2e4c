"""Knowledge-base search for the help center, the portal, the console and the chat bot.

    kb_search(query="充币没到账", language="zh-hans") -> [SearchHit, ...]

Every process keeps an in-memory engine (engine.SearchIndex) built from the IndexEntry table.
Each search reads one small row (IndexState) to learn whether the table changed; if it did,
the rows newer than the process's copy are loaded and the engine rebuilt. So the same code
and the same ranking run on SQLite and PostgreSQL, and a publish is visible everywhere at the
next search after its job committed.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

from beacon.knowledge.analysis import language_of
from beacon.knowledge.embedding import ENCODER_LANGUAGES, configured_encoders
from beacon.knowledge.engine import (
    Calibration,
    Document,
    FusionWeights,
    SearchIndex,
    SynonymGroup,
)
from beacon.knowledge.indexing import unpack_vectors
from beacon.knowledge.models import IndexEntry, IndexState, Synonym, Visibility

AUDIENCES = ("public", "agents")
MAX_LIMIT = 50
MAX_QUERY_CHARACTERS = 300
# Hits less likely than this to answer are not worth showing; a query left with none is a
# content gap in the analytics.
MIN_CONFIDENCE = 0.1

# Chosen by 5-fold cross-validation over the StackFAQ dev queries (`beacon kb eval --cv 5`),
# see docs/performance.md; few knobs on purpose. Chinese queries skip MiniLM (English only).
WEIGHTS = FusionWeights(
    bm25=0.25,
    dense={"minilm": 1.0, "use": 1.0},
    priority=("minilm", "use"),
    bm25_with={"use": 1.0},
    bm25_half=10.0,
    # Similarities that unrelated questions reach (measured on off-topic probes).
    dense_floor={"use": 0.3, "minilm": 0.35},
)
# Logistic calibration of "the first hit answers the query", fitted on the StackFAQ dev
# queries (positives when the first hit is right) plus as many off-topic questions from the
# CLINC150 dev side (never right): `beacon kb eval ... --negatives FILE` prints the fit.
# One for the hybrid, one for BM25 alone (used when no encoder could load).
CALIBRATION_HYBRID = Calibration(bias=-6.93, fused=8.99, margin=3.09, lexical=2.31)
CALIBRATION_LEXICAL = Calibration(bias=-7.0, fused=2.96, margin=1.38, lexical=11.85)


@dataclass(frozen=True)
class SearchHit:
    article_id: int
    translation_id: int
    language: str  # language of the translation returned
    title: str
    url: str  # public URL of that translation in the help center
    snippet: (
        str  # short plain-text answer excerpt (summary or first paragraph), no markup
    )
    score: float  # fused ranking score
    confidence: (
        float  # calibrated probability (0..1) that this article answers the query
    )


@dataclass(frozen=True)
class _Meta:
    title: str
    url: str
    snippet: str


class _Cache:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.key: tuple[str, int, int] | None = None
        self.documents: dict[int, Document] = {}
        self.meta: dict[int, _Meta] = {}
        self.index: SearchIndex | None = None


_cache = _Cache()


def normalise_language(language: str | None) -> str | None:
    """ "zh-Hans", "zh_CN", "zh" -> "zh-hans"; "en-US" -> "en"; None stays None."""
    if not language:
        return None
    code = language.strip().lower().replace("_", "-")
    if code.startswith("zh"):
        return "zh-hans"
    return code.split("-")[0] or None


def _document(entry: IndexEntry) -> Document:
    return Document(
        key=entry.translation_id,
        article_id=entry.article_id_value,
        language=entry.language,
        audience="public" if entry.visibility == Visibility.PUBLIC else "internal",
        title_terms=tuple(entry.title_terms.split()),
        body_terms=tuple(entry.body_terms.split()),
        asked_terms=tuple(entry.asked_terms.split()),
        vectors=unpack_vectors(entry.vectors),
    )


def _synonym_groups() -> list[SynonymGroup]:
    return [
        SynonymGroup(tuple(s.phrase_list()))
        for s in Synonym.objects.filter(is_active=True)
    ]


def current_index() -> SearchIndex:
    """This process's engine, brought up to date with the index table first."""
    state = IndexState.objects.filter(pk=1).values_list(
        "lineage", "generation", "synonyms_generation"
    )
    row = state.first()
    key = (row[0], row[1], row[2]) if row else ("", 0, 0)
    cache = _cache
    if cache.index is not None and cache.key == key:
        return cache.index
    with cache.lock:
        if cache.index is not None and cache.key == key:
            return cache.index
        old = cache.key
        incremental = old is not None and old[0] == key[0] and old[1] <= key[1]
        if not incremental:
            cache.documents.clear()
            cache.meta.clear()
        entries = IndexEntry.objects.all()
        if incremental and old is not None:
            entries = entries.filter(generation__gt=old[1])
        for entry in entries.iterator(chunk_size=2000):
            if entry.active:
                cache.documents[entry.translation_id] = _document(entry)
                cache.meta[entry.translation_id] = _Meta(
                    entry.title, entry.url, entry.snippet
                )
            else:
                cache.documents.pop(entry.translation_id, None)
                cache.meta.pop(entry.translation_id, None)
        encoders = configured_encoders()
        index = SearchIndex(
            list(cache.documents.values()),
            synonyms=_synonym_groups(),
            encoders=encoders,
            weights=WEIGHTS,
            encoder_languages=ENCODER_LANGUAGES,
        )
        index.calibration = (
            CALIBRATION_HYBRID if index.dense_names else CALIBRATION_LEXICAL
        )
        cache.index, cache.key = index, key
        return index


def reset_cache() -> None:
    """Forget this process's engine (tests that swap encoders or settings)."""
    with _cache.lock:
        _cache.key = None
        _cache.index = None
        _cache.documents.clear()
        _cache.meta.clear()


def kb_search(
    *,
    query: str,
    language: str | None = None,
    limit: int = 5,
    audience: str = "public",
) -> list[SearchHit]:
    """Articles that answer `query`, best first, one translation per article.

    `language` narrows to translations in that language; if fewer than `limit` of them match,
    articles found in other languages fill up the list (a Chinese query can still be answered
    by an English-only article). `audience="public"` sees only published public articles;
    `"agents"` sees internal ones too. Drafts are never indexed, so never returned.
    """
    if audience not in AUDIENCES:
        raise ValueError(f"audience must be one of {AUDIENCES}, not {audience!r}")
    query = " ".join(query.split())[:MAX_QUERY_CHARACTERS]
    limit = max(0, min(limit, MAX_LIMIT))
    if not query or limit == 0:
        return []
    index = current_index()
    wanted = normalise_language(language)
    # BM25 alone needs a word in common already; its calibration, fitted on long English
    # threads, is too shy on small help centers to be used as a cut-off.
    floor = MIN_CONFIDENCE if index.dense_names else 0.0
    found = [
        h
        for h in index.search(query, language=wanted, audience=audience, limit=limit)
        if h.confidence >= floor
    ]
    if wanted is not None and len(found) < limit:
        seen = {hit.article_id for hit in found}
        others = index.search(query, language=None, audience=audience, limit=limit * 2)
        found += [
            h
            for h in others
            if h.article_id not in seen and h.confidence >= MIN_CONFIDENCE
        ][: limit - len(found)]
    meta = _cache.meta
    hits: list[SearchHit] = []
    for scored in found:
        info = meta.get(scored.key)
        if info is None:
            continue
        hits.append(
            SearchHit(
                article_id=scored.article_id,
                translation_id=scored.key,
                language=scored.language,
                title=info.title,
                url=info.url,
                snippet=info.snippet,
                score=round(scored.score, 6),
                confidence=round(scored.confidence, 4),
            )
        )
    return hits


def query_language(query: str, fallback: str | None) -> str:
    """The language to search in: the query's script decides, else the page's language."""
    detected = language_of(query)
    if detected == "zh-hans":
        return detected
    return normalise_language(fallback) or "en"


__all__: Sequence[str] = ("SearchHit", "kb_search", "query_language", "reset_cache")
