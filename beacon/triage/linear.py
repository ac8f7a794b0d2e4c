"""Scores of one text for an n-gram-only linear model, without scikit-learn's per-call work.

`TextClassifier.predict` of a single short text spends almost all of its time (about 1 ms) in
fixed per-call costs: input validation, building sparse matrices, stacking the blocks, the
sparse product. The chat assistant classifies every customer message one at a time with its
small model (TF-IDF n-grams, linear SVM), so `NgramScorer` computes the same numbers directly:
each TF-IDF block from the fitted vectoriser's own analyzer, vocabulary and idf weights
(sublinear tf, L2 norm per block), then the SVM's weights of only the columns that occur.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

from beacon.triage.features import TextFeatures

Scores = npt.NDArray[np.float64]


@dataclass(frozen=True)
class _Block:
    analyze: Callable[[str], list[str]]
    vocabulary: dict[str, int]
    idf: npt.NDArray[np.float64]
    offset: int


@dataclass(frozen=True)
class NgramScorer:
    """Raw decision scores (one per class) of a fitted `TextFeatures` + `LinearSVC`."""

    blocks: tuple[_Block, ...]
    # (features, classes): a row per feature column, so a text's columns are one fancy index.
    weights: npt.NDArray[np.float64]
    intercept: npt.NDArray[np.float64]

    def scores(self, text: str) -> Scores:
        columns: list[int] = []
        values: list[float] = []
        for block in self.blocks:
            counts = Counter(
                gram for gram in block.analyze(text) if gram in block.vocabulary
            )
            if not counts:
                continue
            indexes = [block.vocabulary[gram] for gram in counts]
            weighted = [
                (math.log(count) + 1.0) * float(block.idf[index])
                for index, count in zip(indexes, counts.values(), strict=True)
            ]
            norm = math.sqrt(sum(value * value for value in weighted))
            columns.extend(index + block.offset for index in indexes)
            values.extend(value / norm for value in weighted)
        if not columns:
            return self.intercept.copy()
        result: Scores = self.intercept + np.asarray(values) @ self.weights[columns]
        return result


def _block(vectorizer: TfidfVectorizer | None, offset: int) -> _Block | None:
    if vectorizer is None:
        return None
    # Only what these scores reproduce: sublinear tf, idf, L2 norm (the project's settings).
    if not (vectorizer.sublinear_tf and vectorizer.use_idf and vectorizer.norm == "l2"):
        raise ValueError("unsupported vectoriser settings")
    return _Block(
        analyze=vectorizer.build_analyzer(),
        vocabulary={str(k): int(v) for k, v in vectorizer.vocabulary_.items()},
        idf=np.asarray(vectorizer.idf_, dtype=np.float64),
        offset=offset,
    )


def scorer_for(features: TextFeatures, estimator: object) -> NgramScorer | None:
    """A scorer for n-gram features and a linear SVM; None for anything else (embeddings,
    NB scaling, logistic regression), which keeps the general path."""
    if not isinstance(estimator, LinearSVC):
        return None
    if features.config.encoder_names or features.nb_ratio is not None:
        return None
    blocks: list[_Block] = []
    offset = 0
    for vectorizer in (features.word, features.char):
        try:
            block = _block(vectorizer, offset)
        except ValueError:
            return None
        if block is not None:
            blocks.append(block)
            offset += len(block.vocabulary)
    coef = np.asarray(estimator.coef_, dtype=np.float64)
    if not blocks or coef.shape[1] != offset:
        return None
    intercept = np.asarray(estimator.intercept_, dtype=np.float64)
    if coef.shape[0] == 1:
        # Two classes: scikit-learn keeps one score s; the classifier uses (-s/2, s/2).
        coef = np.vstack([-coef[0] / 2, coef[0] / 2])
        intercept = np.asarray([-intercept[0] / 2, intercept[0] / 2])
    return NgramScorer(blocks=tuple(blocks), weights=coef.T.copy(), intercept=intercept)
