"""The assistant's intent model: triage's classifier with out-of-scope detection.

By default a small TF-IDF model is trained, once per process, on the chat seed phrasings in
`data/intents.csv` (English and Chinese, with out-of-scope rows that set its threshold); it
trains in well under a second, so no model file has to ship. `CHAT_INTENT_MODEL` may name a
model file written by `beacon chat eval --save` or `beacon triage eval --save` instead (a
trusted file: joblib runs pickle).
"""

from __future__ import annotations

import csv
import threading
from pathlib import Path

import sklearn
from django.conf import settings

from beacon.triage.classifier import ClassifierConfig, IntentModel, Prediction
from beacon.triage.features import FeatureConfig

SEED = Path(__file__).with_name("data") / "intents.csv"

# Chat intent -> ticket category slug (the category brings the team).
INTENT_CATEGORY: dict[str, str] = {
    "deposit_missing": "deposit-not-credited",
    "withdrawal_delayed": "withdrawal-delayed",
    "wrong_network": "wrong-network-memo",
    "kyc": "kyc",
    "account_compromised": "account-compromised",
    "login_2fa": "login-2fa",
    "trading": "trading-orders",
    "p2p": "p2p-dispute",
    "fees": "fees",
    "api": "api",
    "complaint": "complaint",
}

_lock = threading.Lock()
_model: IntentModel | None = None


def small_config() -> ClassifierConfig:
    """N-grams only (no sentence encoders): cheap enough to train at start-up."""
    return ClassifierConfig(features=FeatureConfig(encoders={}), estimator="svm", C=0.5)


def read_seed(path: Path = SEED) -> tuple[list[str], list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [row["text"] for row in rows], [row["label"] for row in rows]


def model() -> IntentModel:
    """The process's model, trained (or loaded) by the first caller while the others wait."""
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                configured = settings.CHAT_INTENT_MODEL
                if configured:
                    _model = IntentModel.load(Path(configured))
                else:
                    texts, labels = read_seed()
                    _model = IntentModel(small_config()).fit(texts, labels)
    return _model


def classify(text: str) -> Prediction:
    # One text at a time (each customer message): the model's direct single-text path, with
    # scikit-learn's per-call checks off for the general one (our own one-row input).
    with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
        return model().predict_one(text)
