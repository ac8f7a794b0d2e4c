"""Small synthetic training sets: enough to exercise every path in seconds, never the real corpora."""

from __future__ import annotations

import csv
import itertools
import shutil
from pathlib import Path
from typing import Any

import pytest

_INTENT_TEMPLATES: dict[str, list[str]] = {
    "card_arrival": [
        "my card has not arrived {when}",
        "where is my new card, ordered {when}",
        "the card still has not been delivered {when}",
        "when will my bank card arrive, it is late {when}",
        "我的卡{when_zh}还没有寄到",
    ],
    "withdrawal_pending": [
        "my {coin} withdrawal is pending {when}",
        "{coin} withdrawal stuck and not received {when}",
        "why is my {coin} withdrawal still processing {when}",
        "withdraw {coin} to my wallet is not arriving {when}",
        "{coin} 提币{when_zh}一直在处理中",
    ],
    "password_reset": [
        "i forgot my password and cannot log in {when}",
        "how do i reset my password, login fails {when}",
        "password reset email never came {when}",
        "locked out of my account, need a new password {when}",
        "忘记密码了{when_zh}无法登录",
    ],
}
_WHEN = ["", "since last week", "for three days", "yesterday", "since monday", "today"]
_WHEN_ZH = ["", "上周", "三天了", "昨天", "今天", "周一"]
_COINS = ["USDT", "BTC", "ETH", "TRX", "SOL", "XRP"]

OUT_OF_SCOPE = [
    "what is the weather like in paris tomorrow",
    "give me a recipe for chocolate cake",
    "who won the football match last night",
    "tell me a joke about cats",
    "how tall is mount everest",
    "play some relaxing music please",
    "what time does the cinema open",
    "translate good morning into italian",
    "how many calories are in an apple",
    "recommend a good science fiction novel",
    "what is the capital of australia",
    "set an alarm for seven in the morning",
]


def intent_rows() -> list[tuple[str, str]]:
    """Six phrasings of five templates for three intents (90 rows), English and Chinese."""
    rows: list[tuple[str, str]] = []
    for label, templates in _INTENT_TEMPLATES.items():
        for template, (when, when_zh, coin) in itertools.product(
            templates, zip(_WHEN, _WHEN_ZH, _COINS, strict=True)
        ):
            rows.append(
                (template.format(when=when, when_zh=when_zh, coin=coin).strip(), label)
            )
    return rows


SENTIMENT_ROWS: list[tuple[str, str]] = [
    (text, "positive")
    for text in [
        "服务很好, 处理很快, 非常满意",
        "客服态度好, 问题马上解决了",
        "到账很快, 体验不错, 推荐",
        "界面清楚, 操作方便, 很喜欢",
        "退款及时, 感谢客服耐心解答",
        "酒店干净, 早餐丰富, 下次还来",
        "书的质量很好, 内容精彩",
        "物流很快, 包装完好, 好评",
    ]
] + [
    (text, "negative")
    for text in [
        "客服太慢了, 三天都没人回复, 很失望",
        "提币一直不到账, 太差了",
        "态度恶劣, 问题根本没解决",
        "界面混乱, 总是出错, 垃圾",
        "退款拖了一个月, 再也不用了",
        "房间很脏, 隔音差, 不推荐",
        "书有破损, 印刷模糊, 差评",
        "物流太慢, 包装破了, 很生气",
    ]
]


def write_csv(path: Path, rows: list[tuple[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        writer.writerows(rows)
    return path


@pytest.fixture
def intent_data() -> tuple[list[str], list[str]]:
    rows = intent_rows()
    return [text for text, _ in rows], [label for _, label in rows]


@pytest.fixture
def intent_data_with_oos(
    intent_data: tuple[list[str], list[str]],
) -> tuple[list[str], list[str]]:
    texts, labels = intent_data
    return texts + OUT_OF_SCOPE, labels + ["oos"] * len(OUT_OF_SCOPE)


@pytest.fixture(autouse=True)
def _short_latency_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Latency is measured on 200 messages in real runs; 10 show the mechanism in tests."""
    monkeypatch.setattr("beacon.triage.eval.LATENCY_MESSAGES", 10)


# --- the Beacon pipeline ----------------------------------------------------------------------

_TRAINED: dict[str, Path] = {}


@pytest.fixture(scope="session")
def default_model_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The default intent and sentiment models, trained once per test session (seconds)."""
    from beacon.triage.training import _split, default_dataset, new_model

    if not _TRAINED:
        directory = tmp_path_factory.mktemp("triage-models")
        for task in ("intent", "sentiment"):
            path = directory / f"{task}-v1.joblib"
            new_model(task).fit(*_split(default_dataset(task))).save(path)
            _TRAINED[task] = path
    return _TRAINED


@pytest.fixture
def triage_on(
    settings: Any, tmp_path: Path, default_model_files: dict[str, Path], db: None
) -> dict[str, Any]:
    """Triage enabled, with the default models installed as this deployment's v1."""
    from beacon.triage.models import ModelStatus, ModelVersion

    directory = tmp_path / "models"
    directory.mkdir()
    settings.TRIAGE_ENABLED = True
    settings.TRIAGE_MODELS_DIR = directory
    versions = {}
    for task, source in default_model_files.items():
        shutil.copy(source, directory / source.name)
        versions[task] = ModelVersion.objects.create(
            task=task,
            number=1,
            file_name=source.name,
            source="default",
            status=ModelStatus.ACTIVE,
        )
    return versions
