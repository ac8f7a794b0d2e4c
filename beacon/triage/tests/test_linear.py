"""`predict_one`: the direct single-text scores must be the general path's, only faster."""

from __future__ import annotations

import pickle
from dataclasses import replace

import pytest

from beacon.chat import intents
from beacon.triage.classifier import ClassifierConfig, IntentModel, Prediction
from beacon.triage.features import FeatureConfig
from beacon.triage.linear import NgramScorer, scorer_for

NGRAMS_ONLY = ClassifierConfig(features=FeatureConfig(encoders={}))
QUERIES = [
    "hello",
    "thanks",
    "你好",
    "谢谢",
    "my USDT deposit has not arrived after two hours",
    "我的USDT充值还没到账",
    "how do I reset 2FA",
    "what is the weather like today",
    "!!!",
    "zzzz qqqq xyzzy",
    "",
]


def _same(fast: Prediction, general: Prediction) -> None:
    assert fast.label == general.label
    assert fast.out_of_scope == general.out_of_scope
    assert fast.confidence == pytest.approx(general.confidence, abs=2e-4)


@pytest.fixture(scope="module")
def chat_model() -> IntentModel:
    texts, labels = intents.read_seed()
    return IntentModel(intents.small_config()).fit(texts, labels)


def test_the_chat_models_direct_scores_match_the_general_path(
    chat_model: IntentModel,
) -> None:
    texts, _labels = intents.read_seed()
    queries = QUERIES + texts[::7]

    general = chat_model.predict(queries)
    fast = [chat_model.predict_one(text) for text in queries]

    assert isinstance(chat_model._scorer, NgramScorer)  # the direct path was taken
    for one, other in zip(fast, general, strict=True):
        _same(one, other)


def test_two_class_models_match_too(intent_data: tuple[list[str], list[str]]) -> None:
    texts, labels = intent_data
    rows = [
        (t, label)
        for t, label in zip(texts, labels, strict=True)
        if label in ("card_arrival", "password_reset")
    ]
    model = IntentModel(NGRAMS_ONLY).fit([t for t, _ in rows], [lab for _, lab in rows])
    queries = ["where is my card", "忘记密码", "hello there", ""]

    general = model.predict(queries)
    fast = [model.predict_one(text) for text in queries]

    assert model._scorer is not None
    for one, other in zip(fast, general, strict=True):
        _same(one, other)


def test_other_models_keep_the_general_path(
    intent_data: tuple[list[str], list[str]],
) -> None:
    texts, labels = intent_data
    logistic = IntentModel(replace(NGRAMS_ONLY, estimator="lr")).fit(texts, labels)

    prediction = logistic.predict_one("my card has not arrived")

    assert logistic._features is not None
    assert scorer_for(logistic._features, logistic._estimator) is None
    assert prediction == logistic.predict(["my card has not arrived"])[0]


def test_the_scorer_is_not_saved_with_the_model(chat_model: IntentModel) -> None:
    chat_model.predict_one("hello")

    copy = pickle.loads(pickle.dumps(chat_model))

    assert "_scorer" not in chat_model.__getstate__()
    assert copy.predict_one("hello") == chat_model.predict_one("hello")
