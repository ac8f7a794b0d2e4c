"""The search engine itself: BM25 + typo tolerance + synonyms, fused with dense retrieval.

Pure Python and numpy, no database: `beacon.knowledge.search` feeds it the rows of the index
table (the same on SQLite and PostgreSQL), `beacon kb eval` feeds it a JSONL file.

Scoring, for one query:
1. Terms (analysis.terms), plus synonyms of any phrase the query contains (weight
   SYNONYM_WEIGHT), plus, for a Latin term the index has never seen, the indexed terms one edit
   away (a typo: insertion, deletion, substitution or swapped neighbours; weight TYPO_WEIGHT).
2. BM25 over one weighted bag per document: title and "also asked as" count more than body.
3. Cosine similarity of the query's embedding with each row embedded for the document (title,
   title + body, each "also asked as" phrasing), the best row counting, per encoder.
4. Fusion: a linear mix of the BM25 score squashed into 0..1 (s / (s + BM25_HALF)) and the
   cosines, over the union of each retriever's best candidates.
5. Confidence: a logistic function of the same evidence (see Calibration), so 0.8 means about
   eight in ten such answers were right on the data it was fitted on.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import numpy.typing as npt
from scipy import sparse

from beacon.knowledge.analysis import is_cjk, normalise, terms

Matrix = npt.NDArray[np.float32]
logger = logging.getLogger(__name__)

K1 = 1.2
B = 0.75
TITLE_WEIGHT = 3.0
ASKED_WEIGHT = 2.0
SYNONYM_WEIGHT = 0.7
TYPO_WEIGHT = 0.8
CANDIDATES = 100  # best documents each retriever puts forward for fusion
# Above this many documents, the dense side re-ranks BM25's best RERANK documents instead of
# scanning every embedding: an exact scan of 100,000 vectors costs more than the whole latency
# budget on two cores. Help centers are far smaller; the benchmark runs in this mode.
DENSE_EXACT_LIMIT = 20_000
RERANK = 1000
TYPO_MIN_LENGTH = 5  # shorter words are too often another real word one edit away


@dataclass(frozen=True)
class FusionWeights:
    """How much each retriever counts; chosen by cross-validation (`beacon kb eval --cv`)."""

    bm25: float = 1.0
    dense: Mapping[str, float] = field(default_factory=dict)
    bm25_half: float = 10.0  # BM25 score that counts as half of a perfect lexical match
    # A document no query word matches must be at least this similar to count as found:
    # below it, "results" for a question the help center cannot answer would be noise.
    dense_floor: Mapping[str, float] = field(default_factory=dict)
    # Encoders in order of preference: a query uses the first one that covers its language
    # (MiniLM for English, USE for Chinese). Mixing both never beat the better one alone.
    priority: tuple[str, ...] = ()
    # BM25's weight when the query is served by this encoder instead of `bm25` (USE's cosines
    # are compressed, related and unrelated texts lie closer, so words must count for more).
    bm25_with: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Calibration:
    """Logistic confidence: sigmoid(bias + fused * a + margin * b + lexical * c)."""

    bias: float
    fused: float
    margin: float
    lexical: float

    def probability(self, *, fused: float, margin: float, lexical: float) -> float:
        z = (
            self.bias
            + self.fused * fused
            + self.margin * margin
            + self.lexical * lexical
        )
        return 1.0 / (1.0 + math.exp(-max(min(z, 40.0), -40.0)))


@dataclass(frozen=True)
class Document:
    """One searchable translation. `vectors[encoder]` has one row per embedded text."""

    key: int
    article_id: int
    language: str
    audience: str
    title_terms: tuple[str, ...]
    body_terms: tuple[str, ...]
    asked_terms: tuple[str, ...] = ()
    vectors: Mapping[str, Matrix] = field(default_factory=dict)


@dataclass(frozen=True)
class Scored:
    key: int
    article_id: int
    language: str
    score: float
    confidence: float
    lexical: float
    dense: float


class QueryEncoder(Protocol):
    """What the engine needs of a sentence encoder (beacon.triage.encoders.Encoder fits)."""

    @property
    def name(self) -> str: ...

    def encode(self, texts: Sequence[str]) -> Matrix: ...


@dataclass(frozen=True)
class SynonymGroup:
    phrases: tuple[str, ...]


class _Phrase:
    def __init__(self, text: str) -> None:
        self.text = normalise(text).strip()
        self.cjk = is_cjk(self.text)
        self.terms = tuple(terms(self.text))


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


class SearchIndex:
    """An immutable index over `documents`; build a new one when the documents change."""

    def __init__(
        self,
        documents: Sequence[Document],
        *,
        synonyms: Sequence[SynonymGroup] = (),
        encoders: Mapping[str, QueryEncoder] | None = None,
        weights: FusionWeights | None = None,
        calibration: Calibration | None = None,
        encoder_languages: Mapping[str, frozenset[str]] | None = None,
    ) -> None:
        self.documents = list(documents)
        self.encoder_languages = dict(encoder_languages or {})
        self.encoders = dict(encoders or {})
        self.weights = weights or FusionWeights()
        self.calibration = calibration
        self._groups = [[_Phrase(p) for p in g.phrases if p.strip()] for g in synonyms]
        self._build_lexical()
        self._build_dense()
        self._typo_map: dict[str, list[int]] | None = None
        self._vectors: dict[tuple[str, str], Matrix] = {}

    # --- building -----------------------------------------------------------------------

    def _build_lexical(self) -> None:
        vocabulary: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        values: list[float] = []
        lengths = np.zeros(len(self.documents), dtype=np.float32)
        for row, doc in enumerate(self.documents):
            bag: dict[int, float] = {}
            for weight, words in (
                (TITLE_WEIGHT, doc.title_terms),
                (1.0, doc.body_terms),
                (ASKED_WEIGHT, doc.asked_terms),
            ):
                for word in words:
                    column = vocabulary.setdefault(word, len(vocabulary))
                    bag[column] = bag.get(column, 0.0) + weight
                lengths[row] += weight * len(words)
            rows += [row] * len(bag)
            cols += bag.keys()
            values += bag.values()
        size = len(self.documents)
        self.vocabulary = vocabulary
        self._words = list(vocabulary)
        tf = np.asarray(values, dtype=np.float32)
        row_index = np.asarray(rows, dtype=np.int32)
        col_index = np.asarray(cols, dtype=np.int32)
        df = np.bincount(col_index, minlength=len(vocabulary)).astype(np.float32)
        self.document_frequency = df
        idf = np.log1p((size - df + 0.5) / (df + 0.5)).astype(np.float32)
        average = float(lengths.mean()) if size else 1.0
        norm = K1 * (1 - B + B * lengths / max(average, 1e-6))  # per document
        weights = idf[col_index] * tf * (K1 + 1) / (tf + norm[row_index])
        self._matrix = sparse.csc_matrix(
            (weights, (row_index, col_index)),
            shape=(size, max(len(vocabulary), 1)),
            dtype=np.float32,
        )
        self._languages = np.asarray([d.language for d in self.documents], dtype=object)
        self._internal = np.asarray(
            [d.audience != "public" for d in self.documents], dtype=bool
        )
        self._articles = np.asarray(
            [d.article_id for d in self.documents], dtype=np.int64
        )

    def _build_dense(self) -> None:
        self._dense: dict[str, tuple[Matrix, npt.NDArray[np.intp]]] = {}
        for name in self.encoders:
            blocks = [doc.vectors.get(name) for doc in self.documents]
            present = [b for b in blocks if b is not None and len(b)]
            if not present:
                continue
            dimension = present[0].shape[1]
            if len(present) < len(blocks):
                # Indexed before this encoder was configured (`beacon kb reindex` fixes it):
                # such a document gets one zero row, found by its words only.
                logger.warning(
                    "%d documents have no %s embedding; run `beacon kb reindex`",
                    len(blocks) - len(present),
                    name,
                )
            rows = [
                b if b is not None and len(b) else np.zeros((1, dimension), np.float32)
                for b in blocks
            ]
            counts = [len(b) for b in rows]
            matrix = np.vstack(rows).astype(np.float32)
            starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.intp)
            self._dense[name] = (matrix, starts)

    @property
    def dense_names(self) -> list[str]:
        return list(self._dense)

    def _typos(self) -> dict[str, list[int]]:
        if self._typo_map is None:
            mapping: dict[str, list[int]] = {}
            for word, column in self.vocabulary.items():
                if len(word) >= TYPO_MIN_LENGTH and word.isascii() and word.isalpha():
                    for key in (*_deletions(word), word):
                        mapping.setdefault(key, []).append(column)
            self._typo_map = mapping
        return self._typo_map

    # --- querying -----------------------------------------------------------------------

    def query_terms(self, query: str) -> dict[int, float]:
        """Columns of the query's terms with their weights (synonyms and typo fixes included)."""
        text = normalise(query)
        words = terms(text)
        wanted: dict[str, float] = {}
        for word in words:
            wanted[word] = 1.0
        for group in self._groups:
            if not any(self._contains(text, words, phrase) for phrase in group):
                continue
            for phrase in group:
                for word in phrase.terms:
                    wanted.setdefault(word, SYNONYM_WEIGHT)
        columns: dict[int, float] = {}
        for word, weight in wanted.items():
            column = self.vocabulary.get(word)
            if column is not None:
                columns[column] = max(columns.get(column, 0.0), weight)
            elif len(word) >= TYPO_MIN_LENGTH and word.isascii() and word.isalpha():
                for fixed in self._typo_candidates(word):
                    columns.setdefault(fixed, weight * TYPO_WEIGHT)
        return columns

    @staticmethod
    def _contains(text: str, words: list[str], phrase: _Phrase) -> bool:
        if not phrase.terms and not phrase.text:
            return False
        if phrase.cjk:
            return phrase.text in text
        size = len(phrase.terms)
        if size == 0:
            return False
        return any(
            tuple(words[i : i + size]) == phrase.terms
            for i in range(len(words) - size + 1)
        )

    def _typo_candidates(self, word: str) -> list[int]:
        mapping = self._typos()
        found: set[int] = set()
        for key in (*_deletions(word), word):
            found.update(mapping.get(key, ()))
        # People rarely get the first letter wrong; requiring it removes most false fixes.
        found = {c for c in found if self._words[c][0] == word[0]}
        if not found:
            # Stems are prefixes of the words they come from: "pendng" still starts with the
            # stem "pend" of "pending", which is two edits away from the misspelt word itself.
            for cut in range(len(word) - 1, TYPO_MIN_LENGTH - 2, -1):
                column = self.vocabulary.get(word[:cut])
                if column is not None and len(word) - cut <= 3:
                    found.add(column)
                    break
        # Keep the two most common fixes: a rare word one edit away is usually noise.
        ranked = sorted(found, key=lambda c: -self.document_frequency[c])
        return ranked[:2]

    def _visible(self, language: str | None, audience: str) -> npt.NDArray[np.bool_]:
        mask = np.ones(len(self.documents), dtype=bool)
        if audience == "public":
            mask &= ~self._internal
        if language is not None:
            mask &= self._languages == language
        return mask

    def lexical_scores(self, query: str) -> npt.NDArray[np.float32]:
        columns = self.query_terms(query)
        if not columns or not self.documents:
            return np.zeros(len(self.documents), dtype=np.float32)
        keys = list(columns)
        block = self._matrix[:, keys]
        return np.asarray(
            block @ np.asarray([columns[k] for k in keys], dtype=np.float32),
            dtype=np.float32,
        ).ravel()

    def _query_vector(self, name: str, query: str) -> Matrix:
        # kb_search may ask twice for one query (its language, then all): embed it once.
        key = (name, query)
        vector = self._vectors.get(key)
        if vector is None:
            vector = self.encoders[name].encode([query])[0]
            if len(self._vectors) >= 256:
                self._vectors.clear()
            self._vectors[key] = vector
        return vector

    def dense_scores(
        self, query: str, rows: npt.NDArray[np.intp] | None = None
    ) -> dict[str, npt.NDArray[np.float32]]:
        """Best cosine per document, per encoder used; only for `rows` when given (else -1)."""
        out: dict[str, npt.NDArray[np.float32]] = {}
        language = "zh-hans" if is_cjk(query) else "en"
        names = sorted(
            self._dense,
            key=lambda n: (
                self.weights.priority.index(n)
                if n in self.weights.priority
                else len(self.weights.priority)
            ),
        )
        for name in names:
            matrix, starts = self._dense[name]
            scope = self.encoder_languages.get(name)
            if scope is not None and language not in scope:
                continue
            if out and self.weights.priority:
                break
            vector = self._query_vector(name, query)
            if rows is None:
                out[name] = np.maximum.reduceat(matrix @ vector, starts).astype(
                    np.float32
                )
                continue
            scores = np.full(len(self.documents), -1.0, dtype=np.float32)
            if rows.size:
                ends = np.append(starts[1:], len(matrix))
                spans = [np.arange(starts[r], ends[r]) for r in rows]
                local = np.concatenate([[0], np.cumsum([len(x) for x in spans])[:-1]])
                values = matrix[np.concatenate(spans)] @ vector
                scores[rows] = np.maximum.reduceat(values, local.astype(np.intp))
            out[name] = scores
        return out

    def search(
        self,
        query: str,
        *,
        language: str | None = None,
        audience: str = "public",
        limit: int = 5,
    ) -> list[Scored]:
        """The best `limit` documents for `query`, one per article, best first."""
        if not self.documents or not query.strip() or limit <= 0:
            return []
        mask = self._visible(language, audience)
        if not mask.any():
            return []
        lexical = self.lexical_scores(query)
        pool: npt.NDArray[np.intp] | None = None
        if len(self.documents) > DENSE_EXACT_LIMIT:
            hits = np.flatnonzero((lexical > 0) & mask)
            pool = _top(hits, lexical[hits], RERANK)
        dense = self.dense_scores(query, pool)
        candidates = self._candidates(lexical, dense, mask, pool)
        if candidates.size == 0:
            return []
        weights = self.weights
        squashed = lexical[candidates] / (lexical[candidates] + weights.bm25_half)
        used = next(iter(dense), None)
        bm25_weight = (
            weights.bm25_with.get(used, weights.bm25) if used else weights.bm25
        )
        fused = bm25_weight * squashed
        best_dense = np.zeros(candidates.size, dtype=np.float32)
        relevant = lexical[candidates] > 0
        for name, scores in dense.items():
            fused = fused + weights.dense.get(name, 0.0) * scores[candidates]
            best_dense = np.maximum(best_dense, scores[candidates])
            relevant |= scores[candidates] >= weights.dense_floor.get(name, 0.0)
        fused = np.where(relevant, fused, -np.inf)
        order = [int(p) for p in np.argsort(-fused, kind="stable") if relevant[p]]
        picked: list[int] = []
        seen: set[int] = set()
        for position in order:
            article = int(self._articles[candidates[position]])
            if article in seen:
                continue
            seen.add(article)
            picked.append(int(position))
            if len(picked) >= max(limit, 2):
                break
        results: list[Scored] = []
        for rank, position in enumerate(picked[:limit]):
            row = int(candidates[position])
            others = [fused[p] for p in picked if p != position]
            margin = (
                float(fused[position] - max(others))
                if others
                else float(fused[position])
            )
            confidence = (
                self.calibration.probability(
                    fused=float(fused[position]),
                    margin=margin if rank == 0 else min(margin, 0.0),
                    lexical=float(squashed[position]),
                )
                if self.calibration is not None
                else float(fused[position])
            )
            doc = self.documents[row]
            results.append(
                Scored(
                    key=doc.key,
                    article_id=doc.article_id,
                    language=doc.language,
                    score=float(fused[position]),
                    confidence=max(0.0, min(1.0, confidence)),
                    lexical=float(lexical[row]),
                    dense=float(best_dense[position]),
                )
            )
        return results

    def _candidates(
        self,
        lexical: npt.NDArray[np.float32],
        dense: Mapping[str, npt.NDArray[np.float32]],
        mask: npt.NDArray[np.bool_],
        pool: npt.NDArray[np.intp] | None = None,
    ) -> npt.NDArray[np.intp]:
        chosen: list[npt.NDArray[np.intp]] = []
        hits = np.flatnonzero((lexical > 0) & mask) if pool is None else pool
        chosen.append(_top(hits, lexical[hits], CANDIDATES))
        # In re-rank mode only the pool has dense scores (the rest are -1).
        visible = np.flatnonzero(mask) if pool is None else pool
        for scores in dense.values():
            chosen.append(_top(visible, scores[visible], CANDIDATES))
        merged = np.unique(np.concatenate(chosen)) if chosen else np.zeros(0, np.intp)
        return merged.astype(np.intp)


def _top(
    index: npt.NDArray[np.intp], values: npt.NDArray[np.float32], count: int
) -> npt.NDArray[np.intp]:
    if index.size <= count:
        return index
    part = np.argpartition(-values, count)[:count]
    return index[part]
