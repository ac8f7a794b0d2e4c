"""`beacon chat eval`: the assistant's hand-off decisions scored on labelled files."""

from __future__ import annotations

import csv
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from beacon.chat.evaluation import evaluate_handoff
from beacon.chat.intents import read_seed

ROWS = [
    *[
        (f"my deposit of {coin} has not arrived", "deposit")
        for coin in ("btc", "eth", "usdt", "xrp", "sol", "ada")
    ],
    *[
        (f"where is my {coin} deposit", "deposit")
        for coin in ("btc", "eth", "usdt", "xrp", "sol", "ada")
    ],
    *[
        (f"how do i reset my {thing}", "reset")
        for thing in ("password", "2fa", "authenticator", "pin", "phone", "email")
    ],
    *[
        (f"reset the {thing} please", "reset")
        for thing in ("password", "2fa", "authenticator", "pin", "phone", "email")
    ],
    *[
        (text, "oos")
        for text in (
            "tell me a joke",
            "weather in paris",
            "best pizza nearby",
            "play a song",
            "who won the match",
            "book a taxi",
        )
    ],
]


def _write(path: Path, rows: list[tuple[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        writer.writerows(rows)
    return path


def test_the_report_counts_hand_offs() -> None:
    texts, labels = read_seed()
    test = (
        [
            "my btc deposit is not in my balance",
            "what is the weather in rome",
            "tell me a joke please",
        ],
        ["deposit_missing", "oos", "oos"],
    )

    report, _model = evaluate_handoff((texts, labels), test)

    assert report.test_rows == 3
    assert report.scores.in_scope_accuracy == 1.0
    assert report.oos_handoff_rate == report.scores.oos_recall
    assert report.handoff_rate == pytest.approx(
        (report.oos_handoff_rate * 2 + report.in_scope_handoff_rate) / 3
    )


def test_the_command_prints_the_numbers(tmp_path: Path) -> None:
    train = _write(tmp_path / "train.csv", ROWS)
    test = _write(
        tmp_path / "test.csv",
        [
            ("my usdt deposit has not arrived", "deposit"),
            ("tell me a funny joke", "oos"),
        ],
    )
    out = StringIO()

    # The labels are translated; another test in this worker may have left Chinese active.
    with translation.override("en"):
        call_command(
            "chat", "eval", "--train", str(train), "--test", str(test), stdout=out
        )

    lines = out.getvalue().strip().splitlines()
    assert any(line.startswith("in-scope accuracy:") for line in lines)
    assert lines[-1].startswith("in_scope_accuracy=") and "handoff_rate=" in lines[-1]


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError):
        call_command(
            "chat",
            "eval",
            "--train",
            str(tmp_path / "nope.csv"),
            "--test",
            str(tmp_path / "nope.csv"),
        )
