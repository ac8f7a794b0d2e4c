"""`beacon kb eval`: index an FAQ file in a scratch engine, run every query, score the ranking.

Formats (../shared/data/README.md): articles.jsonl `{"id", "title", "body"}` and queries.jsonl
`{"query", "article_id"}`. Metrics, with one relevant article per query: P@1, MRR@10, NDCG@10
(= 1 / log2(rank + 1) within the first ten), Recall@5, and per-query latency.
"""

from __future__ import annotations

import itertools
import json
import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from beacon.knowledge import analysis
from beacon.knowledge.embedding import (
    ENCODER_LANGUAGES,
    document_texts,
    embed_documents,
    load_encoders,
)
from beacon.knowledge.engine import (
    Calibration,
    Document,
    FusionWeights,
    Matrix,
    QueryEncoder,
    SearchIndex,
    SynonymGroup,
)
from beacon.knowledge.search import WEIGHTS as PRODUCT_WEIGHTS

Progress = Callable[[int], None]


@dataclass(frozen=True)
class Article:
    id: str
    title: str
    body: str


@dataclass(frozen=True)
class Query:
    text: str
    article_id: str


@dataclass(frozen=True)
class Report:
    queries: int
    p_at_1: float
    mrr_at_10: float
    ndcg_at_10: float
    recall_at_5: float
    p50_ms: float
    p99_ms: float
    brier: float

    def last_line(self) -> str:
        return (
            f"p_at_1={self.p_at_1:.2f} mrr_at_10={self.mrr_at_10:.2f} "
            f"ndcg_at_10={self.ndcg_at_10:.2f} recall_at_5={self.recall_at_5:.2f} "
            f"p50_ms={self.p50_ms:.1f} p99_ms={self.p99_ms:.1f}"
        )


def _read_jsonl(path: Path) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:
                raise ValueError(f"{path}:{number}: not JSON ({error.msg})") from error
            if not isinstance(row, dict):
                raise ValueError(f"{path}:{number}: expected a JSON object")
            rows.append(row)
    return rows


def read_articles(path: Path) -> list[Article]:
    articles = []
    for row in _read_jsonl(path):
        if not {"id", "title", "body"} <= row.keys():
            raise ValueError(f"{path}: every article needs id, title and body")
        articles.append(Article(str(row["id"]), str(row["title"]), str(row["body"])))
    return articles


def read_queries(path: Path) -> list[Query]:
    queries = []
    for row in _read_jsonl(path):
        if not {"query", "article_id"} <= row.keys():
            raise ValueError(f"{path}: every query needs query and article_id")
        queries.append(Query(str(row["query"]), str(row["article_id"])))
    return queries


def read_texts(path: Path) -> list[str]:
    """Question texts: a CSV file's `text` column, or the `query` of each JSONL line."""
    if path.suffix == ".csv":
        import csv

        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            if reader.fieldnames is None or "text" not in reader.fieldnames:
                raise ValueError(f"{path}: expected a CSV header with a text column")
            return [row["text"] for row in reader if row.get("text")]
    return [str(row["query"]) for row in _read_jsonl(path) if row.get("query")]


def build_documents(
    articles: Sequence[Article],
    encoders: dict[str, QueryEncoder],
    *,
    progress: Progress | None = None,
) -> list[Document]:
    texts = [document_texts(a.title, a.body, ()) for a in articles]
    vectors = embed_documents(encoders, texts, progress=progress)
    return [
        Document(
            key=index,
            article_id=index,
            language=analysis.language_of(a.title + a.body),
            audience="public",
            title_terms=tuple(analysis.terms(a.title)),
            body_terms=tuple(analysis.terms(a.body)),
            vectors={name: vectors[name][index] for name in vectors},
        )
        for index, a in enumerate(articles)
    ]


@dataclass(frozen=True)
class Ranked:
    rank: (
        int | None
    )  # 1-based rank of the right article within the first ten, None if absent
    confidence: float
    features: tuple[float, float, float]  # fused, margin, lexical of the first hit
    seconds: float


def run_queries(
    index: SearchIndex,
    queries: Sequence[Query],
    positions: dict[str, int],
    *,
    progress: Progress | None = None,
) -> list[Ranked]:
    out: list[Ranked] = []
    for query in queries:
        started = time.perf_counter()
        hits = index.search(query.text, limit=10)
        seconds = time.perf_counter() - started
        wanted = positions.get(query.article_id)
        rank = next((i + 1 for i, h in enumerate(hits) if h.article_id == wanted), None)
        if hits:
            top = hits[0]
            margin = top.score - hits[1].score if len(hits) > 1 else top.score
            lexical = top.lexical / (top.lexical + index.weights.bm25_half)
            features = (top.score, margin, lexical)
            confidence = top.confidence
        else:
            features, confidence = (0.0, 0.0, 0.0), 0.0
        out.append(Ranked(rank, confidence, features, seconds))
        if progress is not None:
            progress(1)
    return out


def score(ranked: Sequence[Ranked]) -> Report:
    count = max(len(ranked), 1)
    ranks = [r.rank for r in ranked]
    latencies = sorted(r.seconds * 1000 for r in ranked) or [0.0]
    brier = sum((r.confidence - (1.0 if r.rank == 1 else 0.0)) ** 2 for r in ranked)
    return Report(
        queries=len(ranked),
        p_at_1=sum(1 for r in ranks if r == 1) / count,
        mrr_at_10=sum(1 / r for r in ranks if r is not None) / count,
        ndcg_at_10=sum(1 / math.log2(r + 1) for r in ranks if r is not None) / count,
        recall_at_5=sum(1 for r in ranks if r is not None and r <= 5) / count,
        p50_ms=float(np.percentile(latencies, 50)),
        p99_ms=float(np.percentile(latencies, 99)),
        brier=brier / count,
    )


def fit_calibration(ranked: Sequence[Ranked]) -> Calibration | None:
    """Logistic regression of "the first hit is right" on the first hit's evidence."""
    from sklearn.linear_model import LogisticRegression

    labels = [1 if r.rank == 1 else 0 for r in ranked]
    if len(set(labels)) < 2:
        return None
    model = LogisticRegression(C=1.0)
    model.fit(np.asarray([r.features for r in ranked]), labels)
    fused, margin, lexical = (float(v) for v in model.coef_[0])
    return Calibration(float(model.intercept_[0]), fused, margin, lexical)


def load_scratch_encoders(names: Sequence[str]) -> dict[str, QueryEncoder]:
    return load_encoders(names)


def make_index(
    documents: Sequence[Document],
    encoders: dict[str, QueryEncoder],
    weights: FusionWeights,
    calibration: Calibration | None = None,
    synonyms: Sequence[SynonymGroup] = (),
    encoder_languages: dict[str, frozenset[str]] | None = None,
) -> SearchIndex:
    return SearchIndex(
        documents,
        encoders=encoders,
        weights=weights,
        calibration=calibration,
        synonyms=synonyms,
        encoder_languages=encoder_languages,
    )


class MemoEncoder:
    """Remembers the vectors of texts it has seen: cross-validation asks for the same queries."""

    def __init__(self, inner: QueryEncoder) -> None:
        self.name = inner.name
        self._inner = inner
        self._memo: dict[str, Matrix] = {}

    def encode(self, texts: Sequence[str]) -> Matrix:
        missing = [t for t in dict.fromkeys(texts) if t not in self._memo]
        if missing:
            for text, row in zip(missing, self._inner.encode(missing), strict=True):
                self._memo[text] = row
        return np.vstack([self._memo[t] for t in texts]).astype(np.float32)


def weight_grid(encoders: Sequence[str]) -> list[FusionWeights]:
    """The few mixes cross-validation chooses from: two knobs, BM25's weight and the dense one.

    Each query uses one encoder (the first of PRODUCT_WEIGHTS.priority for its language), so
    one dense weight serves them all.
    """
    grid: list[FusionWeights] = []
    for bm25, dense in itertools.product(
        (0.1, 0.25, 0.5, 1.0), (0.5, 1.0, 2.0) if encoders else (1.0,)
    ):
        grid.append(
            FusionWeights(
                bm25=bm25,
                dense=dict.fromkeys(encoders, dense),
                priority=PRODUCT_WEIGHTS.priority,
                bm25_with=PRODUCT_WEIGHTS.bm25_with,
                bm25_half=PRODUCT_WEIGHTS.bm25_half,
                dense_floor=PRODUCT_WEIGHTS.dense_floor,
            )
        )
    return grid


@dataclass(frozen=True)
class FoldResult:
    weights: FusionWeights
    report: Report


def cross_validate(
    documents: Sequence[Document],
    encoders: dict[str, QueryEncoder],
    queries: Sequence[Query],
    positions: dict[str, int],
    *,
    folds: int,
    progress: Progress | None = None,
) -> tuple[list[FoldResult], Report]:
    """K folds of the queries: choose weights (by MRR@10) and calibration on K-1, score the rest."""
    memo: dict[str, QueryEncoder] = {n: MemoEncoder(e) for n, e in encoders.items()}
    grid = weight_grid(list(memo))
    order = list(range(len(queries)))
    random.Random(13).shuffle(order)  # noqa: S311 (a fixed split, not security)
    chunks = [order[i::folds] for i in range(folds)]
    results: list[FoldResult] = []
    held_out: list[Ranked] = []
    indexes = {
        id(w): make_index(documents, memo, w, encoder_languages=ENCODER_LANGUAGES)
        for w in grid
    }
    for fold, test_rows in enumerate(chunks):
        train = [queries[i] for i in order if i not in set(test_rows)]
        test = [queries[i] for i in test_rows]
        best: tuple[float, FusionWeights] | None = None
        for weights in grid:
            mrr = score(run_queries(indexes[id(weights)], train, positions)).mrr_at_10
            if best is None or mrr > best[0] + 1e-9:
                best = (mrr, weights)
        assert best is not None
        chosen = best[1]
        index = indexes[id(chosen)]
        index.calibration = fit_calibration(run_queries(index, train, positions))
        ranked = run_queries(index, test, positions)
        index.calibration = None
        held_out += ranked
        results.append(FoldResult(chosen, score(ranked)))
        if progress is not None:
            progress(fold + 1)
    return results, score(held_out)
