"""Measuring triage classifiers: train on one CSV, score another (or cross-validate one).

CSV files have the header ``text,label``; rows labelled ``oos`` are out-of-scope questions. The
numbers are those of issue 7: accuracy and macro-F1 over the effective labels (an out-of-scope
flag counts as the label ``oos``), in-scope accuracy and out-of-scope recall and precision when
the test side has ``oos`` rows, training time, and the latency of one message on one core.
"""

from __future__ import annotations

import csv
import os
import statistics
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold
from threadpoolctl import threadpool_limits

from beacon.triage.classifier import (
    OOS_LABEL,
    IntentModel,
    Prediction,
    ProgressCallback,
    SentimentModel,
    TextClassifier,
)
from beacon.triage.encoders import encode_all

TASKS: dict[str, type[TextClassifier]] = {
    "intent": IntentModel,
    "sentiment": SentimentModel,
}
LATENCY_MESSAGES = 200
# Below this calibrated confidence a bot hands the message to a person instead of answering.
HANDOFF_CONFIDENCE = 0.5


@dataclass(frozen=True)
class Scores:
    """Quality of predictions against the true labels."""

    accuracy: float
    macro_f1: float
    in_scope_accuracy: float | None = None
    oos_recall: float | None = None
    oos_precision: float | None = None
    # Share handed to a person (flagged out of scope, or confidence below HANDOFF_CONFIDENCE):
    # of all messages, of the out-of-scope ones, and of the in-scope ones.
    handoff_rate: float | None = None
    handoff_oos: float | None = None
    handoff_in_scope: float | None = None


@dataclass(frozen=True)
class EvalReport:
    """One evaluation: scores, rows, training seconds and single-message latency."""

    scores: Scores
    train_rows: int
    test_rows: int
    train_seconds: float
    p50_ms: float
    p99_ms: float
    folds: int = 0

    def last_line(self) -> str:
        """``accuracy=0.9412 macro_f1=0.9301 [oos_...] train_s=12.3 p50_ms=2.1 p99_ms=4.0``."""
        scores = self.scores
        parts = [f"accuracy={scores.accuracy:.4f}", f"macro_f1={scores.macro_f1:.4f}"]
        if scores.oos_recall is not None:
            parts += [
                f"oos_recall={scores.oos_recall:.4f}",
                f"oos_precision={scores.oos_precision:.4f}",
                f"in_scope_accuracy={scores.in_scope_accuracy:.4f}",
            ]
        parts += [
            f"train_s={self.train_seconds:.1f}",
            f"p50_ms={self.p50_ms:.1f}",
            f"p99_ms={self.p99_ms:.1f}",
        ]
        return " ".join(parts)


def read_csv(path: Path) -> tuple[list[str], list[str]]:
    """Texts and labels of a ``text,label`` CSV file."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or not {"text", "label"} <= set(reader.fieldnames):
            raise ValueError(f"{path}: expected a header with the columns text,label")
        rows = [(row["text"] or "", (row["label"] or "").strip()) for row in reader]
    if not rows:
        raise ValueError(f"{path}: no rows")
    return [text for text, _ in rows], [label for _, label in rows]


def score(truth: Sequence[str], predictions: Sequence[Prediction]) -> Scores:
    """Accuracy and macro-F1 over effective labels, plus out-of-scope numbers when truth has any."""
    true = np.asarray(truth, dtype=object)
    predicted = np.asarray([p.effective_label for p in predictions], dtype=object)
    labels = sorted(set(true))
    accuracy = float((true == predicted).mean())
    macro_f1 = float(
        f1_score(true, predicted, labels=labels, average="macro", zero_division=0)
    )
    is_oos = true == OOS_LABEL
    if not is_oos.any():
        return Scores(accuracy=accuracy, macro_f1=macro_f1)
    flagged = predicted == OOS_LABEL
    confidence = np.asarray([p.confidence for p in predictions], dtype=np.float64)
    handed_off = flagged | (confidence < HANDOFF_CONFIDENCE)
    in_scope = ~is_oos
    return Scores(
        accuracy=accuracy,
        macro_f1=macro_f1,
        in_scope_accuracy=float((true[in_scope] == predicted[in_scope]).mean())
        if in_scope.any()
        else 0.0,
        oos_recall=float(flagged[is_oos].mean()),
        oos_precision=float(is_oos[flagged].mean()) if flagged.any() else 0.0,
        handoff_rate=float(handed_off.mean()),
        handoff_oos=float(handed_off[is_oos].mean()),
        handoff_in_scope=float(handed_off[in_scope].mean()) if in_scope.any() else 0.0,
    )


def measure_latency(
    model: TextClassifier, texts: Sequence[str], messages: int | None = None
) -> tuple[float, float]:
    """p50 and p99 milliseconds to triage one message, everything pinned to one CPU thread."""
    count = messages or LATENCY_MESSAGES
    sample = [texts[i % len(texts)] for i in range(count)]
    threads = model.threads
    model.threads = 1
    timings: list[float] = []
    with _one_core(), threadpool_limits(limits=1):
        try:
            for text in sample[:5]:
                model.predict([text])  # warm-up: encoders load, caches fill
            for text in sample:
                started = time.perf_counter()
                model.predict([text])
                timings.append((time.perf_counter() - started) * 1000)
        finally:
            model.threads = threads
    quantiles = statistics.quantiles(timings, n=100, method="inclusive")
    return statistics.median(timings), quantiles[98]


@contextmanager
def _one_core() -> Iterator[None]:
    """Pin this process to one CPU (where the OS allows it) besides pinning thread pools to one."""
    if not hasattr(os, "sched_setaffinity"):
        yield
        return
    allowed = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(allowed)})
    try:
        yield
    finally:
        os.sched_setaffinity(0, allowed)


def evaluate(
    task: str,
    train: tuple[Sequence[str], Sequence[str]],
    test: tuple[Sequence[str], Sequence[str]],
    *,
    threads: int = 1,
    progress: ProgressCallback | None = None,
    model: TextClassifier | None = None,
) -> tuple[EvalReport, TextClassifier]:
    """Train ``task``'s model on ``train``, score it on ``test``; returns the report and the model."""
    model = model or TASKS[task](threads=threads)
    started = time.perf_counter()
    model.fit(train[0], train[1], progress=progress)
    train_seconds = time.perf_counter() - started
    predictions = model.predict(test[0])
    scores = score(test[1], predictions)
    p50, p99 = measure_latency(model, test[0])
    model.metadata["metrics"] = _as_dict(scores)
    report = EvalReport(
        scores=scores,
        train_rows=len(train[0]),
        test_rows=len(test[0]),
        train_seconds=train_seconds,
        p50_ms=p50,
        p99_ms=p99,
    )
    return report, model


def cross_validate(
    task: str,
    data: tuple[Sequence[str], Sequence[str]],
    *,
    folds: int = 5,
    threads: int = 1,
    progress: ProgressCallback | None = None,
    model: TextClassifier | None = None,
) -> EvalReport:
    """Mean scores of ``folds``-fold stratified cross-validation (texts embedded once for all folds)."""
    texts, labels = list(data[0]), list(data[1])
    template = model or TASKS[task](threads=threads)
    names = template.config.features.encoder_names
    total = len(texts) * len(names)
    if progress is not None:
        progress("embed", 0, total)
    embed_started = time.perf_counter()
    vectors = encode_all(
        names,
        texts,
        threads=threads,
        progress=(lambda done: progress("embed", done, total)) if progress else None,
    )
    embed_seconds = time.perf_counter() - embed_started
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=0)
    fold_scores: list[Scores] = []
    train_times: list[float] = []
    label_array = np.asarray(labels, dtype=object)
    fold_model = template
    for train_rows, test_rows in splitter.split(np.zeros(len(texts)), label_array):
        fold_model = template.with_config()
        started = time.perf_counter()
        fold_model.fit(
            [texts[i] for i in train_rows],
            list(label_array[train_rows]),
            embeddings={name: matrix[train_rows] for name, matrix in vectors.items()},
            progress=progress,
        )
        train_times.append(time.perf_counter() - started)
        predictions = fold_model.predict(
            [texts[i] for i in test_rows],
            embeddings={name: matrix[test_rows] for name, matrix in vectors.items()},
        )
        fold_scores.append(score(list(label_array[test_rows]), predictions))
    p50, p99 = measure_latency(fold_model, texts)
    return EvalReport(
        scores=_mean_scores(fold_scores),
        train_rows=len(texts) * (folds - 1) // folds,
        test_rows=len(texts) // folds,
        # Embedding is shared by the folds, so a fold's own time leaves it out: add its share.
        train_seconds=statistics.mean(train_times)
        + embed_seconds * (folds - 1) / folds,
        p50_ms=p50,
        p99_ms=p99,
        folds=folds,
    )


def _mean_scores(scores: Sequence[Scores]) -> Scores:
    def mean(values: list[float | None]) -> float | None:
        present = [v for v in values if v is not None]
        return statistics.mean(present) if present else None

    return Scores(
        accuracy=statistics.mean(s.accuracy for s in scores),
        macro_f1=statistics.mean(s.macro_f1 for s in scores),
        in_scope_accuracy=mean([s.in_scope_accuracy for s in scores]),
        oos_recall=mean([s.oos_recall for s in scores]),
        oos_precision=mean([s.oos_precision for s in scores]),
        handoff_rate=mean([s.handoff_rate for s in scores]),
        handoff_oos=mean([s.handoff_oos for s in scores]),
        handoff_in_scope=mean([s.handoff_in_scope for s in scores]),
    )


def _as_dict(scores: Scores) -> dict[str, float]:
    return {key: value for key, value in vars(scores).items() if value is not None}
