"""How well the assistant decides to answer or hand off, measured on labelled messages.

The decision is the one the assistant makes from the intent model alone (`bot.should_hand_off`:
out of scope, or below CHAT_HANDOFF_CONFIDENCE). Scores: in-scope accuracy and out-of-scope
recall and precision from triage's scorer, and the hand-off rate (all messages, in-scope ones
wrongly handed off, out-of-scope ones rightly handed off).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from beacon.chat import intents
from beacon.chat.bot import should_hand_off
from beacon.triage.classifier import OOS_LABEL, IntentModel, ProgressCallback
from beacon.triage.eval import Scores, measure_latency, score

ModelSize = Literal["small", "full"]


@dataclass(frozen=True)
class HandoffReport:
    scores: Scores
    handoff_rate: float
    in_scope_handoff_rate: float
    oos_handoff_rate: float
    train_rows: int
    test_rows: int
    train_seconds: float
    p50_ms: float
    p99_ms: float

    def last_line(self) -> str:
        def pct(value: float | None) -> str:
            return f"{(value or 0.0) * 100:.2f}"

        return (
            f"in_scope_accuracy={pct(self.scores.in_scope_accuracy)} "
            f"oos_recall={pct(self.scores.oos_recall)} "
            f"oos_precision={pct(self.scores.oos_precision)} "
            f"handoff_rate={pct(self.handoff_rate)} "
            f"p99_ms={self.p99_ms:.1f}"
        )


def evaluate_handoff(
    train: tuple[Sequence[str], Sequence[str]],
    test: tuple[Sequence[str], Sequence[str]],
    *,
    size: ModelSize = "small",
    threads: int = 1,
    progress: ProgressCallback | None = None,
) -> tuple[HandoffReport, IntentModel]:
    """Train the assistant's intent model on `train`, then decide for every `test` message."""
    model = IntentModel(
        intents.small_config() if size == "small" else None, threads=threads
    )
    started = time.perf_counter()
    model.fit(train[0], train[1], progress=progress)
    train_seconds = time.perf_counter() - started
    predictions = model.predict(test[0])
    decisions = [should_hand_off(p) for p in predictions]
    truth = list(test[1])
    oos = [label == OOS_LABEL for label in truth]

    def rate(rows: list[bool]) -> float:
        chosen = [d for d, keep in zip(decisions, rows, strict=True) if keep]
        return sum(chosen) / len(chosen) if chosen else 0.0

    p50, p99 = measure_latency(model, test[0])
    report = HandoffReport(
        scores=score(truth, predictions),
        handoff_rate=sum(decisions) / len(decisions) if decisions else 0.0,
        in_scope_handoff_rate=rate([not o for o in oos]),
        oos_handoff_rate=rate(oos),
        train_rows=len(train[0]),
        test_rows=len(truth),
        train_seconds=train_seconds,
        p50_ms=p50,
        p99_ms=p99,
    )
    return report, model
