from __future__ import annotations

import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from beacon.triage.classifier import IntentModel, Prediction
from beacon.triage.eval import EvalReport, Scores, score
from beacon.triage.tests.conftest import (
    OUT_OF_SCOPE,
    SENTIMENT_ROWS,
    intent_rows,
    write_csv,
)

NUMBER = r"\d+\.\d+"
LINE_WITH_OOS = re.compile(
    rf"accuracy=\d\.\d{{4}} macro_f1=\d\.\d{{4}} oos_recall=\d\.\d{{4}} oos_precision=\d\.\d{{4}} "
    rf"in_scope_accuracy=\d\.\d{{4}} train_s={NUMBER} p50_ms={NUMBER} p99_ms={NUMBER}"
)
LINE_WITHOUT_OOS = re.compile(
    rf"accuracy=\d\.\d{{4}} macro_f1=\d\.\d{{4}} train_s={NUMBER} p50_ms={NUMBER} p99_ms={NUMBER}"
)


def _run(*args: str) -> list[str]:
    out = StringIO()
    call_command("triage", *args, stdout=out)
    return out.getvalue().splitlines()


def test_score_counts_an_out_of_scope_flag_as_the_oos_label() -> None:
    truth = ["a", "b", "oos", "oos"]
    predictions = [
        Prediction("a", 0.9, out_of_scope=False),
        Prediction("b", 0.4, out_of_scope=True),
        Prediction("a", 0.3, out_of_scope=True),
        Prediction("b", 0.8, out_of_scope=False),
    ]

    scores = score(truth, predictions)

    assert scores.accuracy == 0.5
    assert scores.in_scope_accuracy == 0.5
    assert scores.oos_recall == 0.5
    assert scores.oos_precision == 0.5
    # Handed off: both flagged rows, none of the confident answers.
    assert scores.handoff_rate == 0.5
    assert scores.handoff_oos == 0.5
    assert scores.handoff_in_scope == 0.5


def test_low_confidence_is_handed_off_too() -> None:
    truth = ["a", "oos", "oos"]
    predictions = [
        Prediction("a", 0.45, out_of_scope=False),
        Prediction("a", 0.2, out_of_scope=False),
        Prediction("a", 0.9, out_of_scope=False),
    ]

    scores = score(truth, predictions)

    assert scores.handoff_in_scope == 1.0
    assert scores.handoff_oos == 0.5
    assert scores.oos_recall == 0.0


def test_score_leaves_out_oos_numbers_when_the_test_side_has_none() -> None:
    scores = score(
        ["a", "b"], [Prediction("a", 0.9, False), Prediction("a", 0.6, False)]
    )

    assert scores.accuracy == 0.5
    assert scores.oos_recall is None


def test_last_line_has_the_issue_format() -> None:
    report = EvalReport(
        scores=Scores(0.94123, 0.93012, 0.96, 0.78, 0.81),
        train_rows=10,
        test_rows=5,
        train_seconds=12.34,
        p50_ms=2.12,
        p99_ms=4.0,
    )

    assert report.last_line() == (
        "accuracy=0.9412 macro_f1=0.9301 oos_recall=0.7800 oos_precision=0.8100 "
        "in_scope_accuracy=0.9600 train_s=12.3 p50_ms=2.1 p99_ms=4.0"
    )


def test_eval_command_prints_oos_numbers_last_when_the_test_file_has_oos_rows(
    tmp_path: Path,
) -> None:
    rows = intent_rows()
    oos = [(text, "oos") for text in OUT_OF_SCOPE]
    train = write_csv(tmp_path / "train.csv", rows[::2] + oos[::2])
    test = write_csv(tmp_path / "test.csv", rows[1::2] + oos[1::2])
    saved = tmp_path / "model.joblib"

    lines = _run(
        "eval",
        "--task",
        "intent",
        "--train",
        str(train),
        "--test",
        str(test),
        "--save",
        str(saved),
    )

    assert LINE_WITH_OOS.fullmatch(lines[-1]), lines[-1]
    assert any(line.startswith("out-of-scope recall:") for line in lines)
    assert any(line.startswith("hand-off rate") for line in lines)
    assert IntentModel.load(saved).metadata["metrics"]["accuracy"] > 0.5


def test_eval_command_omits_oos_numbers_for_sentiment(tmp_path: Path) -> None:
    train = write_csv(
        tmp_path / "train.csv", SENTIMENT_ROWS[::2] + SENTIMENT_ROWS[1::4]
    )
    test = write_csv(tmp_path / "test.csv", SENTIMENT_ROWS[3::4])

    lines = _run(
        "eval", "--task", "sentiment", "--train", str(train), "--test", str(test)
    )

    assert LINE_WITHOUT_OOS.fullmatch(lines[-1]), lines[-1]


def test_eval_command_cross_validates_a_single_file(tmp_path: Path) -> None:
    train = write_csv(tmp_path / "train.csv", intent_rows())

    lines = _run("eval", "--task", "intent", "--train", str(train), "--cv", "3")

    assert "3-fold cross-validation" in "\n".join(lines)
    assert LINE_WITHOUT_OOS.fullmatch(lines[-1]), lines[-1]
    assert float(lines[-1].split()[0].removeprefix("accuracy=")) > 0.8


def test_eval_command_refuses_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="no such file"):
        _run(
            "eval",
            "--task",
            "intent",
            "--train",
            str(tmp_path / "nope.csv"),
            "--cv",
            "5",
        )


def test_eval_command_refuses_a_csv_without_text_and_label(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("message,category\nhello,greeting\n", encoding="utf-8")

    with pytest.raises(CommandError, match="text,label"):
        _run("eval", "--task", "intent", "--train", str(path), "--test", str(path))
