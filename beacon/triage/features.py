"""Feature space of the triage classifiers: TF-IDF n-grams beside weighted sentence embeddings.

The sparse part has a word block (1-2-grams over jieba-segmented text, so Chinese gets words
rather than whole clauses) and a character block (2-5-grams inside word boundaries, robust to
typos, inflection and unsegmented Chinese). Each embedding block is multiplied by its weight
before it is put beside them: with L2-normalised rows on both sides, the weight sets how much
the linear model listens to the encoder versus the n-grams.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from beacon.core.text import tokens
from beacon.triage.encoders import ENCODER_NAMES, EncoderName, Matrix

CharAnalyzer = Literal["char", "char_wb"]


@dataclass(frozen=True)
class FeatureConfig:
    """Which blocks the feature space has, and their settings."""

    word_ngrams: tuple[int, int] | None = (1, 2)
    char_ngrams: tuple[int, int] | None = (2, 5)
    char_analyzer: CharAnalyzer = "char_wb"
    max_features: int | None = None
    # Weight of each sentence-encoder block; encoders not named here are not used.
    encoders: Mapping[EncoderName, float] = field(default_factory=lambda: {"use": 2.0})
    # Naive-Bayes log-count ratios scale the n-gram columns (NB-SVM, Wang & Manning 2012);
    # defined for two classes only, so it is ignored for more.
    nb_scaling: bool = False

    @property
    def encoder_names(self) -> tuple[EncoderName, ...]:
        return tuple(name for name in ENCODER_NAMES if name in self.encoders)


def normalise(text: str) -> str:
    """NFKC (full-width letters and digits become ASCII) and lower case."""
    return unicodedata.normalize("NFKC", text).lower()


def word_analyzer(text: str) -> list[str]:
    """Word tokens: Latin words as written, Chinese runs cut into words by jieba."""
    return tokens(text)


class TextFeatures:
    """Fitted vectorisers that turn texts (and their embeddings) into one sparse matrix."""

    def __init__(self, config: FeatureConfig) -> None:
        self.config = config
        self._word: TfidfVectorizer | None = None
        self._char: TfidfVectorizer | None = None
        self._nb_ratio: np.ndarray | None = None

    @property
    def word(self) -> TfidfVectorizer | None:
        """The fitted word n-gram vectoriser (None when the config has no word block)."""
        return self._word

    @property
    def char(self) -> TfidfVectorizer | None:
        """The fitted character n-gram vectoriser (None when the config has no char block)."""
        return self._char

    @property
    def nb_ratio(self) -> np.ndarray | None:
        return self._nb_ratio

    def fit_transform(
        self,
        texts: Sequence[str],
        embeddings: Mapping[EncoderName, Matrix],
        labels: Sequence[str] | None = None,
    ) -> sp.csr_matrix:
        config = self.config
        if config.word_ngrams is not None:
            self._word = TfidfVectorizer(
                analyzer="word",
                tokenizer=word_analyzer,
                token_pattern=None,
                lowercase=False,
                ngram_range=config.word_ngrams,
                sublinear_tf=True,
                max_features=config.max_features,
                dtype=np.float32,
            )
        if config.char_ngrams is not None:
            self._char = TfidfVectorizer(
                analyzer=config.char_analyzer,
                preprocessor=normalise,
                ngram_range=config.char_ngrams,
                sublinear_tf=True,
                max_features=config.max_features,
                dtype=np.float32,
            )
        blocks: list[sp.spmatrix] = []
        if self._word is not None:
            blocks.append(self._word.fit_transform(texts))
        if self._char is not None:
            blocks.append(self._char.fit_transform(texts))
        sparse = _hstack(blocks, len(texts))
        if config.nb_scaling and labels is not None and len(set(labels)) == 2:
            self._nb_ratio = _log_count_ratio(sparse, labels)
        return self._combine(sparse, embeddings)

    def transform(
        self, texts: Sequence[str], embeddings: Mapping[EncoderName, Matrix]
    ) -> sp.csr_matrix:
        blocks: list[sp.spmatrix] = []
        if self._word is not None:
            blocks.append(self._word.transform(texts))
        if self._char is not None:
            blocks.append(self._char.transform(texts))
        return self._combine(_hstack(blocks, len(texts)), embeddings)

    def _combine(
        self, sparse: sp.csr_matrix, embeddings: Mapping[EncoderName, Matrix]
    ) -> sp.csr_matrix:
        if self._nb_ratio is not None:
            sparse = sp.csr_matrix(sparse.multiply(self._nb_ratio))
        blocks: list[sp.spmatrix] = [sparse]
        for name in self.config.encoder_names:
            weight = self.config.encoders[name]
            blocks.append(
                sp.csr_matrix(np.asarray(embeddings[name], dtype=np.float32) * weight)
            )
        return sp.csr_matrix(sp.hstack(blocks, format="csr", dtype=np.float32))


def _hstack(blocks: list[sp.spmatrix], rows: int) -> sp.csr_matrix:
    if not blocks:
        return sp.csr_matrix((rows, 0), dtype=np.float32)
    return sp.csr_matrix(sp.hstack(blocks, format="csr", dtype=np.float32))


def _log_count_ratio(matrix: sp.csr_matrix, labels: Sequence[str]) -> np.ndarray:
    """r = log((p/|p|) / (q/|q|)) over binarised features, with add-one smoothing."""
    classes = sorted(set(labels))
    is_first = np.array([label == classes[0] for label in labels])
    binary = (matrix > 0).astype(np.float32)
    positive = np.asarray(binary[is_first].sum(axis=0)).ravel() + 1.0
    negative = np.asarray(binary[~is_first].sum(axis=0)).ravel() + 1.0
    ratio = np.log((positive / positive.sum()) / (negative / negative.sum()))
    return np.asarray(ratio, dtype=np.float32)
